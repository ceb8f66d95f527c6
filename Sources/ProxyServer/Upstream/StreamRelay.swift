import Logging
import NIOCore
import ProxyCore

/// The synchronous half of a stream: the adapter's `AnswerStream` turning upstream bytes into events,
/// and their rendering as SSE, one upstream chunk at a time.
///
/// Kept out of `StreamingResponse`'s async loop on purpose. An async function's frame holds every
/// temporary of the code inlined into it and stays on the task's allocator for the stream's whole life:
/// with the translation inlined, the loop's frame took ~21 KB per open stream (heaptrack). Behind
/// `@inline(never)` its temporaries live on the thread's stack only while a chunk is processed.
///
/// The stream's `message_stop` (and anything after it) is held back until `finish`, whichever call of the
/// adapter produced it (a relayed Anthropic stream and the Responses API end during `feed`): the client sees
/// the answer complete only after its ledger row is committed (`RequestTrace.settle`). An `error` event the
/// adapter relays tells the trace that the stream failed.
struct StreamRelay {
    private var stream: any AnswerStream
    /// Translated but not rendered yet; what a failure sends before its `error` event.
    private var pending: [StreamEvent] = []
    /// From `message_stop` on: written by `finish`.
    private var held: [StreamEvent] = []
    /// Whether any event was rendered: a `ping` may not come before the stream's `message_start`, which an
    /// Anthropic-native upstream sends itself.
    private var started = false
    /// Whether the stream's first answer event (anything after the opening `message_start`) went out.
    private var wroteAnswer = false
    private let call: UpstreamCall
    private let trace: RequestTrace?
    private let logger: Logger

    init(call: UpstreamCall, messageID: String, trace: RequestTrace?, logger: Logger) {
        stream = call.answer.makeStream(messageID: messageID)
        self.call = call
        self.trace = trace
        self.logger = logger
    }

    /// The events `feed` returned were written: the first time, that is the first answer event.
    mutating func wrote() {
        guard !wroteAnswer else { return }
        wroteAnswer = true
        trace?.firstTokenSent()
    }

    /// `message_start`.
    @inline(never)
    mutating func start() -> ByteBuffer? {
        stream.start(into: &pending)
        return takePending()
    }

    /// The events one upstream chunk completes, after a `ping` when one is due; nil when none.
    @inline(never)
    mutating func feed(_ chunk: [UInt8], ping: Bool) throws(AnthropicError) -> ByteBuffer? {
        if ping, started { pending.append(.ping) }
        try stream.feed(chunk, into: &pending)
        return takePending()
    }

    /// The closing events at the upstream's end, the held `message_stop` among them; logs the usage line.
    @inline(never)
    mutating func finish() throws(AnthropicError) -> ByteBuffer? {
        let usage = try stream.finish(into: &pending)
        trace?.used(usage.usage)
        logger.info("\(UsageLog.line(clientModel: call.clientModel, upstreamModel: call.upstreamModel, usage: usage, streamed: true))")
        pending = held + pending
        held = []
        return takePending(holdingStop: false)
    }

    /// The events still pending, then `event`: how a stream ends early (a failure, a shutdown). A held
    /// `message_stop` is dropped: the stream did not complete.
    @inline(never)
    mutating func end(with event: StreamEvent) -> ByteBuffer {
        held = []
        pending.append(event)
        return takePending(holdingStop: false) ?? ByteBuffer()
    }

    private mutating func takePending(holdingStop: Bool = true) -> ByteBuffer? {
        if holdingStop {
            if !held.isEmpty {
                held += pending
                pending.removeAll(keepingCapacity: true)
            } else if let stop = pending.firstIndex(where: { $0.name == "message_stop" }) {
                held = Array(pending[stop...])
                pending.removeSubrange(stop...)
            }
        }
        guard !pending.isEmpty else { return nil }
        if let failure = pending.first(where: { $0.name == "error" }) { trace?.streamFailed(status: Self.status(of: failure)) }
        started = true
        defer { pending.removeAll(keepingCapacity: true) }
        return Self.render(pending)
    }

    /// The HTTP status an `error` event's type stands for (500 when it names none this proxy knows).
    private static func status(of event: StreamEvent) -> Int {
        switch event {
        case .error(let type, _): return type.status
        case .encoded(_, let data):
            let type = (try? JSONParser.parse(data))?["error"]?["type"]?.stringValue
            return type.flatMap(AnthropicErrorType.init(rawValue:))?.status ?? 500
        default: return 500
        }
    }

    static func render(_ events: [StreamEvent]) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 128)
        for event in events { event.writeSSE(into: &bytes) }
        return ByteBuffer(bytes: bytes)
    }
}
