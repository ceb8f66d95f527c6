import CurlHTTP
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProxyCore
import ServiceLifecycle
import Synchronization

/// Writes an upstream chat-completions stream to the client as Anthropic server-sent events.
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
    let exchange: UpstreamExchange
    let upstream: HTTPClientResponse
    let messageID: String
    let shutdownGracePeriod: Duration
    let pingInterval: Duration
    let redactor: SecretRedactor
    let logger: Logger

    var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-cache"
        fields[HTTPField.Name("x-accel-buffering")!] = "no"
        return fields
    }

    func body(connection: ConnectionCloseWatch, eventLoop: any EventLoop) -> ResponseBody {
        ResponseBody { writer in
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
            }
            try await writer.finish(nil)
        }
    }

    /// Reads the upstream stream to its end, writing each upstream chunk's events as one buffer. Upstream
    /// failures become an `error` event; a failed write to the client (it left) is thrown.
    private func forward(to writer: inout any ResponseBodyWriter, alarms: StreamAlarms) async throws {
        var translation = StreamTranslation(exchange: exchange, messageID: messageID, logger: logger)
        do {
            if upstream.header("content-type")?.contains("application/json") == true {
                try await replayWholeMessage(to: &writer)
                return
            }
            if let start = translation.start() { try await writer.write(start) }
            for try await chunk in upstream.body {
                let raised = alarms.take()
                if raised.contains(.shutdown) {
                    logger.notice("shutting down: ending a stream still in flight")
                    try await writer.write(translation.end(with: Self.shutdownError))
                    return
                }
                if let events = try translation.feed(chunk, ping: raised.contains(.ping)) { try await writer.write(events) }
            }
            if let events = try translation.finish() { try await writer.write(events) }
        } catch let error as UpstreamStreamError {
            try await writer.write(translation.end(with: failure(error)))
        } catch let error as HTTPClientError where error.kind != .cancelled {
            try await writer.write(translation.end(with: failure(error)))
        }
    }

    private static let shutdownError = StreamEvent.error(
        type: AnthropicErrorType.overloaded.rawValue, message: "the proxy is shutting down; retry the request")

    @inline(never)
    private func replayWholeMessage(to writer: inout any ResponseBodyWriter) async throws {
        let body = try await upstream.body.collect(upTo: 64 * 1024 * 1024)
        guard let json = try? JSONParser.parse(body) else {
            throw UpstreamStreamError(message: "provider '\(exchange.providerName)' answered the stream with invalid JSON")
        }
        var (message, resolved) = try exchange.message(from: json)
        message.id = messageID
        try await writer.write(StreamTranslation.render(MessageReplay.events(for: message, estimatedInputTokens: exchange.estimatedInputTokens)))
        logger.info("\(UsageLog.line(clientModel: exchange.clientModel, upstreamModel: exchange.upstreamModel, usage: resolved, streamed: true))")
    }

    /// An upstream failure after the 200 went out can only be an `error` event (after the events
    /// translated but not yet sent); nothing follows it. Logged, redacted.
    private func failure(_ error: UpstreamStreamError) -> StreamEvent {
        failure(type: error.errorType, message: error.message)
    }

    private func failure(_ error: HTTPClientError) -> StreamEvent {
        let anthropic = UpstreamExchange.anthropicError(for: error, provider: exchange.providerName)
        return failure(type: anthropic.type.rawValue, message: anthropic.message)
    }

    @inline(never)
    private func failure(type: String, message: String) -> StreamEvent {
        let message = redactor.redact(message)
        logger.warning("stream from provider '\(exchange.providerName)' failed: \(message)")
        return .error(type: type, message: message)
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
