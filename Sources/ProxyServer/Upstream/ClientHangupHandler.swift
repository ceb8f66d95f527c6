import NIOCore

/// Closes a connection as soon as the client closes its side.
///
/// Hummingbird allows half-closed connections, so a client that goes away mid-request only produces an
/// `inputClosed` event and the channel stays open until the proxy's next write. HTTP/1.1 API clients never
/// half-close to wait for an answer, so the proxy treats it as a hang-up: closing the channel fires its
/// close future, which `ClientDisconnect` turns into cancelling the upstream request.
package final class ClientHangupHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    package typealias InboundIn = NIOAny

    package init() {}

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
