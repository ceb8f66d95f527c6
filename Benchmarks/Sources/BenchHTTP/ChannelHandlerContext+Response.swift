import NIOCore
import NIOHTTP1

/// The response writing the two loopback servers (the client benchmark's and the mock upstream) share.
extension ChannelHandlerContext {
    /// A whole JSON response, then the end of it.
    public func writeJSONResponse(status: HTTPResponseStatus, body: ByteBuffer, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.readableBytes))
        write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        endResponse(keepAlive: keepAlive)
    }

    /// Ends the response; closes the connection afterwards unless the client keeps it alive.
    public func endResponse(keepAlive: Bool) {
        if keepAlive {
            writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
        } else {
            let channel = self.channel
            writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
