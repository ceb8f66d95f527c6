import NIOCore
import NIOHTTPTypes
import ProxyCore

/// Closes a client connection that misses its deadline: the request head within `header` of the
/// connection's start, the whole body within `body` of the head, the next head within `idle` of the last
/// response's end. No deadline runs while a response is being written (a stream may last many minutes).
///
/// It also bounds a graceful shutdown: when the server asks its connections to quiesce, whatever is
/// still open `shutdownGracePeriod` later (a stalled upload, half a head; streams have ended with an
/// `error` event by then) is closed, so a stop never waits on the slowest client.
///
/// It sees decoded request parts: a head that never completes, however slowly it trickles in, never
/// stops the header deadline.
final class ClientDeadlinesHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeouts: ClientTimeouts
    private let shutdownGracePeriod: Duration
    private var deadline: Scheduled<Void>?
    private var stopping = false

    init(timeouts: ClientTimeouts, shutdownGracePeriod: Duration) {
        self.timeouts = timeouts
        self.shutdownGracePeriod = shutdownGracePeriod
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(timeouts.header, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(timeouts.body, context: context)
        case .body: break
        case .end: if !stopping { disarm() }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // A little past the streams' own deadline, so that they end with their error event first.
            arm(shutdownGracePeriod + .milliseconds(500), context: context)
            stopping = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(timeouts.idle, context: context) }
        context.write(data, promise: promise)
    }

    /// Replaces the running deadline; once stopping, the shutdown's stays.
    private func arm(_ timeout: Duration, context: ChannelHandlerContext) {
        guard !stopping else { return }
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
