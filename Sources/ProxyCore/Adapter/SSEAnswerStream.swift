/// An answer stream of server-sent events: conform with `consume(event:into:)` and `end(into:)`, and the
/// stream's `feed` and `finish` come with it — the framing (`SSEDecoder`, bytes split anywhere), each event
/// handed over as it completes (its `event:` name kept), and the last event of a body cut without its blank
/// line.
public protocol SSEAnswerStream: AnswerStream {
    /// The framing state: `SSEDecoder()` at the start.
    var decoder: SSEDecoder { get set }

    /// One complete event; append the Anthropic events it completes.
    mutating func consume(event: SSEEvent, into events: inout [StreamEvent]) throws(AnthropicError)

    /// The upstream's body ended and every event was consumed: append the closing events and return the
    /// usage to log. Throw when the answer was cut before its end.
    mutating func end(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage
}

extension SSEAnswerStream {
    /// Frames `bytes` and consumes each event they complete.
    public mutating func feed(_ bytes: [UInt8], into events: inout [StreamEvent]) throws(AnthropicError) {
        try decode(into: &events) { decoder, consume in try decoder.feed(bytes, onEvent: consume) }
    }

    /// Consumes the event the body ended in, if any, then `end`.
    public mutating func finish(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        try decode(into: &events) { decoder, consume in try decoder.finish(onEvent: consume) }
        return try end(into: &events)
    }

    /// Runs the decoder with `consume(event:)` as its handler. The decoder is moved out of `self` for the
    /// call (a swap, so its buffer stays uniquely referenced) because the handler mutates `self`.
    private mutating func decode(
        into events: inout [StreamEvent], _ body: (inout SSEDecoder, (SSEEvent) throws -> Void) throws -> Void
    ) throws(AnthropicError) {
        var decoder = SSEDecoder()
        swap(&decoder, &self.decoder)
        defer { swap(&decoder, &self.decoder) }
        do {
            try body(&decoder) { event in try consume(event: event, into: &events) }
        } catch let error as AnthropicError {
            throw error
        } catch {
            throw AnthropicError(.api, "upstream stream failed: \(error)")
        }
    }
}
