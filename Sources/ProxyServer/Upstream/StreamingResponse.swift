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
/// upstream body, whose iterator then yields an empty chunk. The stream also ends when the client's connection closes: the
/// connection's watch cancels the task, which cancels the upstream read and so the upstream transfer.
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
        var translator = exchange.streamTranslator(messageID: messageID)
        var events: [StreamEvent] = []
        do {
            if upstream.header("content-type")?.contains("application/json") == true {
                try await replayWholeMessage(to: &writer)
                return
            }
            translator.start(into: &events)
            try await flush(&events, to: &writer)
            var decoder = SSEDecoder()
            var sawEnd = false
            for try await chunk in upstream.body {
                let raised = alarms.take()
                if raised.contains(.shutdown) {
                    logger.notice("shutting down: ending a stream still in flight")
                    events.append(.error(type: AnthropicErrorType.overloaded.rawValue, message: "the proxy is shutting down; retry the request"))
                    try await flush(&events, to: &writer)
                    return
                }
                if raised.contains(.ping) { events.append(.ping) }
                try decoder.feed(chunk) { payload in
                    try consume(payload, translator: &translator, sawEnd: &sawEnd, events: &events)
                }
                try await flush(&events, to: &writer)
            }
            try decoder.finish { payload in
                try consume(payload, translator: &translator, sawEnd: &sawEnd, events: &events)
            }
            var resolved: ResolvedUsage?
            _ = try translator.finish(sawEnd: sawEnd, usage: { upstreamUsage, outputEstimate in
                let usage = exchange.resolvedUsage(upstream: upstreamUsage, estimatedOutputTokens: outputEstimate)
                resolved = usage
                return usage.usage
            }, into: &events)
            try await flush(&events, to: &writer)
            if let resolved {
                logger.info("\(UsageLog.line(clientModel: exchange.request.model, upstreamModel: exchange.upstreamModel, usage: resolved, streamed: true))")
            }
        } catch let error as UpstreamStreamError {
            try await fail(type: error.errorType, message: error.message, to: &writer, events: events)
        } catch let error as HTTPClientError where error.kind != .cancelled {
            let anthropic = UpstreamExchange.anthropicError(for: error, provider: exchange.providerName)
            try await fail(type: anthropic.type.rawValue, message: anthropic.message, to: &writer, events: events)
        }
    }

    /// Sends the pending events and forgets them, so a failure afterwards sends only its `error` event.
    private func flush(_ events: inout [StreamEvent], to writer: inout any ResponseBodyWriter) async throws {
        guard !events.isEmpty else { return }
        let buffer = Self.render(events)
        events.removeAll(keepingCapacity: true)
        try await writer.write(buffer)
    }

    private func consume(
        _ payload: [UInt8], translator: inout StreamTranslator, sawEnd: inout Bool, events: inout [StreamEvent]
    ) throws(UpstreamStreamError) {
        if sawEnd { return }
        if payload.elementsEqual("[DONE]".utf8) {
            sawEnd = true
            return
        }
        guard let chunk = try? JSONParser.parse(payload) else {
            logger.debug("skipped an upstream stream line that is not JSON")
            return
        }
        try translator.consume(chunk, into: &events)
    }

    private func replayWholeMessage(to writer: inout any ResponseBodyWriter) async throws {
        let body = try await upstream.body.collect(upTo: 64 * 1024 * 1024)
        guard let json = try? JSONParser.parse(body) else {
            throw UpstreamStreamError(message: "provider '\(exchange.providerName)' answered the stream with invalid JSON")
        }
        var (message, resolved) = try exchange.message(from: json)
        message.id = messageID
        try await writer.write(Self.render(MessageReplay.events(for: message, estimatedInputTokens: exchange.estimatedInputTokens)))
        logger.info("\(UsageLog.line(clientModel: exchange.request.model, upstreamModel: exchange.upstreamModel, usage: resolved, streamed: true))")
    }

    /// An upstream failure after the 200 went out can only be an `error` event; nothing follows it.
    /// `events` are those translated but not yet sent when the failure happened.
    private func fail(type: String, message: String, to writer: inout any ResponseBodyWriter, events: [StreamEvent]) async throws {
        let message = redactor.redact(message)
        logger.warning("stream from provider '\(exchange.providerName)' failed: \(message)")
        var pending = events
        pending.append(.error(type: type, message: message))
        try await writer.write(Self.render(pending))
    }

    static func render(_ events: [StreamEvent]) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 128)
        for event in events { event.writeSSE(into: &bytes) }
        return ByteBuffer(bytes: bytes)
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
