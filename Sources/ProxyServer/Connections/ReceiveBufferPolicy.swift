import NIOCore

/// Bounds what a client connection keeps allocated for reading requests.
///
/// NIO pools a connection's receive buffers (up to `maxMessagesPerRead` of them, 4 by default) and
/// grows them to fit large reads (up to 64 KB), for the connection's whole life: after one Claude Code
/// request of 20 KB, ~27 KB stayed allocated for as long as its stream and then the keep-alive lasted.
/// One pooled buffer of at most 16 KB costs a large request a few more reads instead. Removes itself once
/// the options are set.
package final class ReceiveBufferPolicy: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    package typealias InboundIn = NIOAny

    static let maxBufferBytes = 16 * 1024

    package init() {}

    package func handlerAdded(context: ChannelHandlerContext) {
        if let options = context.channel.syncOptions {
            try? options.setOption(ChannelOptions.maxMessagesPerRead, value: 1)
            try? options.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maxBufferBytes))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
