import CurlHTTP
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProxyCore
import ServiceLifecycle
import Synchronization

/// Writes an upstream stream to the client as Anthropic server-sent events.
///
/// One task does it all: it reads an upstream chunk, translates it and writes the events, so a chunk
/// costs no hand-off between tasks. Two things may need it while it waits for the upstream: a `ping`
/// every `server.ping_interval` (keeping idle timers of the client and intermediaries alive during long
/// prefills), and the server's graceful shutdown, after whose grace period the stream ends with an
/// `error` event. Both are timers on the connection's event loop that raise an alarm and wake the
/// upstream body, whose iterator then yields an empty chunk. The stream also ends when the client's
/// connection closes: the connection's watch cancels the task, which cancels the upstream read and so
/// the upstream transfer.
struct StreamingResponse: Sendable {
    let call: UpstreamCall
    let upstream: HTTPClientResponse
    let messageID: String
    /// Told of the first answer event, the usage and the end.
    let trace: RequestTrace?
    let shutdownGracePeriod: Duration
    let pingInterval: Duration
    let redactor: SecretRedactor
    let logger: Logger

    /// The head of every event stream the proxy answers.
    static var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-cache"
        fields[HTTPField.Name("x-accel-buffering")!] = "no"
        return fields
    }

    func body(connection: ConnectionCloseWatch, eventLoop: any EventLoop) -> ResponseBody {
        ResponseBody { writer in
            trace?.streamStarted()
            defer { trace?.finish(status: 200) }
            let alarms = StreamAlarms()
            let upstreamBody = upstream.body
            let pings = eventLoop.scheduleRepeatedTask(
                initialDelay: TimeAmount(pingInterval), delay: TimeAmount(pingInterval)
            ) { _ in
                alarms.raise(.ping)
                upstreamBody.wake()
            }
            defer { pings.cancel() }
            let grace = TimeAmount(shutdownGracePeriod)
            do {
                try await withGracefulShutdownHandler {
                    try await connection.whileOpen { try await forward(to: &writer, alarms: alarms) }
                } onGracefulShutdown: {
                    eventLoop.scheduleTask(in: grace) {
                        alarms.raise(.shutdown)
                        upstreamBody.wake()
                    }
                }
            } catch is ConnectionCloseWatch.Disconnected {}
            if connection.isClosed {
                logger.info("client disconnected; upstream request cancelled")
                trace?.streamFailed(status: 499)
            }
            try await writer.finish(nil)
        }
    }

    /// Reads the upstream stream to its end, writing each upstream chunk's events as one buffer. Upstream
    /// failures become an `error` event; a failed write to the client (it left) is thrown.
    private func forward(to writer: inout any ResponseBodyWriter, alarms: StreamAlarms) async throws {
        var relay = StreamRelay(call: call, messageID: messageID, trace: trace, logger: logger)
        do {
            if upstream.header("content-type")?.contains("application/json") == true {
                try await replayWholeMessage(to: &writer)
                return
            }
            if let start = relay.start() { try await writer.write(start) }
            for try await chunk in upstream.body {
                let raised = alarms.take()
                if raised.contains(.shutdown) {
                    logger.notice("shutting down: ending a stream still in flight")
                    trace?.streamFailed(status: AnthropicErrorType.overloaded.status)
                    try await writer.write(relay.end(with: Self.shutdownError))
                    return
                }
                if let events = try relay.feed(chunk, ping: raised.contains(.ping)) {
                    try await writer.write(events)
                    relay.wrote()
                }
            }
            let closing = try relay.finish()
            await trace?.settle()
            if let closing { try await writer.write(closing) }
        } catch {
            guard let event = failureEvent(for: error) else { throw error }
            try await writer.write(relay.end(with: event))
        }
    }

    private static let shutdownError = StreamEvent.error(
        type: .overloaded, message: "the proxy is shutting down; retry the request")

    @inline(never)
    private func replayWholeMessage(to writer: inout any ResponseBodyWriter) async throws {
        let body = try await call.collect(upstream)
        let events = try replay(body)
        await trace?.settle()
        try await writer.write(events)
    }

    @inline(never)
    private func replay(_ body: [UInt8]) throws(AnthropicError) -> ByteBuffer {
        var (message, usage) = try call.answer.message(from: body)
        message.id = messageID
        trace?.firstTokenSent()
        trace?.used(usage.usage)
        logger.info("\(UsageLog.line(clientModel: call.clientModel, upstreamModel: call.upstreamModel, usage: usage, streamed: true))")
        return StreamRelay.render(MessageReplay.events(for: message, estimatedInputTokens: call.estimatedInputTokens))
    }

    /// The `error` event of an upstream failure; nil for what is thrown instead: a failed write to the
    /// client (it left) and a cancellation. Out of line to keep `forward`'s frame small: that frame
    /// is held for as long as the stream.
    @inline(never)
    private func failureEvent(for error: any Error) -> StreamEvent? {
        switch error {
        case let error as any AnthropicErrorRepresentable:
            return failure(error.anthropicError)
        case let error as HTTPClientError where error.kind != .cancelled:
            return failure(UpstreamTransportError(provider: call.providerName, failure: error).anthropicError)
        default:
            return nil
        }
    }

    /// An upstream failure after the 200 went out can only be an `error` event (after the events
    /// translated but not yet sent); nothing follows it. Logged, redacted.
    private func failure(_ error: AnthropicError) -> StreamEvent {
        trace?.streamFailed(status: error.status)
        let message = redactor.redact(error.message)
        logger.warning("stream from provider '\(call.providerName)' failed: \(message)")
        return .error(type: error.type, message: message)
    }
}

/// What a stream's timers ask of its task, read (and cleared) at each wake-up or chunk.
private final class StreamAlarms: Sendable {
    struct Raised: OptionSet {
        let rawValue: UInt8
        static let ping = Raised(rawValue: 1)
        static let shutdown = Raised(rawValue: 2)
    }

    private let bits = Atomic<UInt8>(0)

    func raise(_ alarm: Raised) {
        bits.bitwiseOr(alarm.rawValue, ordering: .relaxed)
    }

    func take() -> Raised {
        Raised(rawValue: bits.exchange(0, ordering: .relaxed))
    }
}
