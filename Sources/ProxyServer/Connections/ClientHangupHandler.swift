import NIOCore

/// Tracks whether a client's connection is still there, and closes it as soon as the client closes
/// its side.
///
/// Hummingbird allows half-closed connections, so a client that goes away mid-request only produces an
/// `inputClosed` event and the channel stays open until the proxy's next write. HTTP/1.1 API clients never
/// half-close to wait for an answer, so the proxy treats it as a hang-up. Closing marks the connection's
/// `ConnectionCloseWatch`, which cancels the request's upstream work. One handler per connection.
///
/// A connection beyond `limit` open ones is closed at once, before it can send anything.
package final class ClientHangupHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    package typealias InboundIn = NIOAny

    private let watch = ConnectionCloseWatch()
    private let registry: ConnectionRegistry
    private let limit: Int

    package init(registry: ConnectionRegistry, limit: Int = .max) {
        self.registry = registry
        self.limit = limit
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if registry.register(watch, for: context.channel) > limit { context.close(promise: nil) }
    }

    /// Also runs when a closing channel tears its pipeline down, inactive or not.
    package func handlerRemoved(context: ChannelHandlerContext) {
        connectionEnded(context)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        connectionEnded(context)
        context.fireChannelInactive()
    }

    /// Idempotent: runs on `channelInactive` and again when the pipeline goes.
    private func connectionEnded(_ context: ChannelHandlerContext) {
        watch.markClosed()
        registry.unregister(context.channel)
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
