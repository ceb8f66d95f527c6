import CurlHTTP
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProxyCore
import ServiceLifecycle

/// Writes an upstream chat-completions stream to the client as Anthropic server-sent events.
///
/// Tasks share the work: one reads and translates the upstream stream, one sends a `ping` every 15 s
/// (keeping idle timers of the client and intermediaries alive during long prefills), one waits for the
/// server's graceful shutdown and then, after the grace period, ends the stream with an `error` event;
/// the response writer forwards what they produce. The stream also ends when the client's connection
/// closes: the connection's watch cancels the task, which cancels the upstream read and so aborts the
/// upstream transfer.
struct StreamingResponse: Sendable {
    static let pingInterval: Duration = .seconds(15)

    let exchange: UpstreamExchange
    let upstream: HTTPClientResponse
    let messageID: String
    let shutdownGracePeriod: Duration
    let redactor: SecretRedactor
    let logger: Logger

    var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-cache"
        fields[HTTPField.Name("x-accel-buffering")!] = "no"
        return fields
    }

    func body(connection: ConnectionCloseWatch) -> ResponseBody {
        ResponseBody { writer in
            do {
                try await connection.whileOpen { try await forward(to: &writer) }
            } catch is ConnectionCloseWatch.Disconnected {}
            if connection.isClosed {
                logger.info("client disconnected; upstream request cancelled")
            }
            try await writer.finish(nil)
        }
    }

    /// Writes what the translating, pinging and shutdown-watching tasks produce until the stream ends.
    private func forward(to writer: inout any ResponseBodyWriter) async throws {
        let (output, sink) = AsyncStream<ByteBuffer>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.translate(into: sink)
                sink.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.pingInterval)
                    sink.yield(Self.render([.ping]))
                }
            }
            group.addTask {
                try await gracefulShutdown()
                try await Task.sleep(for: shutdownGracePeriod)
                logger.notice("shutting down: ending a stream still in flight")
                sink.yield(Self.render([.error(type: AnthropicErrorType.overloaded.rawValue, message: "the proxy is shutting down; retry the request")]))
                sink.finish()
            }
            defer { group.cancelAll() }
            for await buffer in output {
                try await writer.write(buffer)
            }
        }
    }

    /// Reads the upstream stream to its end, yielding each upstream chunk's events as one buffer.
    private func translate(into sink: AsyncStream<ByteBuffer>.Continuation) async {
        var translator = exchange.streamTranslator(messageID: messageID)
        var events: [StreamEvent] = []
        do {
            if upstream.header("content-type")?.contains("application/json") == true {
                try await replayWholeMessage(into: sink)
                return
            }
            translator.start(into: &events)
            flush(&events, into: sink)
            var decoder = SSEDecoder()
            var sawEnd = false
            for try await chunk in upstream.body {
                try decoder.feed(chunk) { payload in
                    try consume(payload, translator: &translator, sawEnd: &sawEnd, events: &events)
                }
                flush(&events, into: sink)
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
            sink.yield(Self.render(events))
            if let resolved {
                logger.info("\(UsageLog.line(clientModel: exchange.request.model, upstreamModel: exchange.upstreamModel, usage: resolved, streamed: true))")
            }
        } catch let error as UpstreamStreamError {
            fail(type: error.errorType, message: error.message, into: sink, events: events)
        } catch let error as HTTPClientError {
            let anthropic = UpstreamExchange.anthropicError(for: error, provider: exchange.providerName)
            fail(type: anthropic.type.rawValue, message: anthropic.message, into: sink, events: events)
        } catch {
            if !Task.isCancelled {
                fail(type: AnthropicErrorType.api.rawValue, message: "upstream stream failed: \(error)", into: sink, events: events)
            }
        }
    }

    /// Sends the pending events and forgets them, so a failure afterwards sends only its `error` event.
    private func flush(_ events: inout [StreamEvent], into sink: AsyncStream<ByteBuffer>.Continuation) {
        guard !events.isEmpty else { return }
        sink.yield(Self.render(events))
        events.removeAll(keepingCapacity: true)
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

    private func replayWholeMessage(into sink: AsyncStream<ByteBuffer>.Continuation) async throws {
        let body = try await upstream.body.collect(upTo: 64 * 1024 * 1024)
        guard let json = try? JSONParser.parse(body) else {
            throw UpstreamStreamError(message: "provider '\(exchange.providerName)' answered the stream with invalid JSON")
        }
        var (message, resolved) = try exchange.message(from: json)
        message.id = messageID
        sink.yield(Self.render(MessageReplay.events(for: message, estimatedInputTokens: exchange.estimatedInputTokens)))
        logger.info("\(UsageLog.line(clientModel: exchange.request.model, upstreamModel: exchange.upstreamModel, usage: resolved, streamed: true))")
    }

    /// An upstream failure after the 200 went out can only be an `error` event; nothing follows it.
    /// `events` are those translated but not yet sent when the failure happened.
    private func fail(type: String, message: String, into sink: AsyncStream<ByteBuffer>.Continuation, events: [StreamEvent]) {
        let message = redactor.redact(message)
        logger.warning("stream from provider '\(exchange.providerName)' failed: \(message)")
        var pending = events
        pending.append(.error(type: type, message: message))
        sink.yield(Self.render(pending))
    }

    static func render(_ events: [StreamEvent]) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 128)
        for event in events { event.writeSSE(into: &bytes) }
        return ByteBuffer(bytes: bytes)
    }
}
