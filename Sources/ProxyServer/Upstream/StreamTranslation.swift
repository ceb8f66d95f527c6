import Logging
import NIOCore
import ProxyCore

/// The synchronous half of a stream: SSE decoding, translation and rendering, one upstream chunk at a
/// time.
///
/// Kept out of `StreamingResponse`'s async loop on purpose. An async function's frame holds every
/// temporary of the code inlined into it and stays on the task's allocator for the stream's whole life:
/// with the translation inlined, the loop's frame took ~21 KB per open stream (heaptrack). Behind
/// `@inline(never)` its temporaries live on the thread's stack only while a chunk is processed.
struct StreamTranslation {
    private var translator: StreamTranslator
    private var decoder = SSEDecoder()
    private var sawEnd = false
    /// Translated but not rendered yet; what a failure sends before its `error` event.
    private var pending: [StreamEvent] = []
    private let exchange: UpstreamExchange
    private let logger: Logger

    init(exchange: UpstreamExchange, messageID: String, logger: Logger) {
        translator = exchange.streamTranslator(messageID: messageID)
        self.exchange = exchange
        self.logger = logger
    }

    /// `message_start`.
    @inline(never)
    mutating func start() -> ByteBuffer? {
        translator.start(into: &pending)
        return takePending()
    }

    /// The events one upstream chunk completes, after a `ping` when one is due; nil when none.
    @inline(never)
    mutating func feed(_ chunk: [UInt8], ping: Bool) throws(UpstreamStreamError) -> ByteBuffer? {
        if ping { pending.append(.ping) }
        try decode { decoder, consume in try decoder.feed(chunk, onEvent: consume) }
        return takePending()
    }

    /// The closing events at the upstream's end; logs the usage line.
    @inline(never)
    mutating func finish() throws(UpstreamStreamError) -> ByteBuffer? {
        try decode { decoder, consume in try decoder.finish(onEvent: consume) }
        var resolved: ResolvedUsage?
        let exchange = exchange
        _ = try translator.finish(sawEnd: sawEnd, usage: { upstreamUsage, outputEstimate in
            let usage = exchange.resolvedUsage(upstream: upstreamUsage, estimatedOutputTokens: outputEstimate)
            resolved = usage
            return usage.usage
        }, into: &pending)
        if let resolved {
            logger.info("\(UsageLog.line(clientModel: exchange.clientModel, upstreamModel: exchange.upstreamModel, usage: resolved, streamed: true))")
        }
        return takePending()
    }

    /// The events still pending, then `event`: how a stream ends early (a failure, a shutdown).
    @inline(never)
    mutating func end(with event: StreamEvent) -> ByteBuffer {
        pending.append(event)
        return takePending() ?? ByteBuffer()
    }

    /// Runs the decoder with `consume` as its event handler. The decoder is moved out of `self` for the
    /// call (a swap, so its buffer stays uniquely referenced) because the handler mutates `self`.
    private mutating func decode(
        _ body: (inout SSEDecoder, ([UInt8]) throws -> Void) throws -> Void
    ) throws(UpstreamStreamError) {
        var decoder = SSEDecoder()
        swap(&decoder, &self.decoder)
        defer { swap(&decoder, &self.decoder) }
        do {
            try body(&decoder) { payload in try consume(payload) }
        } catch let error as UpstreamStreamError {
            throw error
        } catch {
            throw UpstreamStreamError(message: "upstream stream failed: \(error)")
        }
    }

    private mutating func consume(_ payload: [UInt8]) throws(UpstreamStreamError) {
        if sawEnd { return }
        if payload.elementsEqual("[DONE]".utf8) {
            sawEnd = true
            return
        }
        guard let chunk = try? JSONParser.parse(payload) else {
            logger.debug("skipped an upstream stream line that is not JSON")
            return
        }
        try translator.consume(chunk, into: &pending)
    }

    private mutating func takePending() -> ByteBuffer? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll(keepingCapacity: true) }
        return Self.render(pending)
    }

    static func render(_ events: [StreamEvent]) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 128)
        for event in events { event.writeSSE(into: &bytes) }
        return ByteBuffer(bytes: bytes)
    }
}
