/// A chat-completions stream as Anthropic events: SSE framing, the `[DONE]` end marker, each `data:`
/// payload's JSON through `StreamTranslator`.
struct ChatCompletionsStream: AnswerStream {
    private var translator: StreamTranslator
    private var decoder = SSEDecoder()
    private var sawEnd = false
    private let answer: ChatCompletionsAnswer

    init(answer: ChatCompletionsAnswer, messageID: String) {
        self.answer = answer
        translator = StreamTranslator(
            messageID: messageID, clientModel: answer.clientModel, estimatedInputTokens: answer.usage.context.estimatedInputTokens,
            toolNames: answer.toolNames, stopSequences: answer.stopSequences, thinkTags: answer.quirks[Quirks.thinkTags],
            bufferToolArguments: answer.quirks[Quirks.bufferToolArguments]
        )
    }

    mutating func start(into events: inout [StreamEvent]) {
        translator.start(into: &events)
    }

    mutating func feed(_ bytes: [UInt8], into events: inout [StreamEvent]) throws(AnthropicError) {
        try decode(into: &events) { decoder, consume in try decoder.feed(bytes, onEvent: consume) }
    }

    mutating func finish(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        try decode(into: &events) { decoder, consume in try decoder.finish(onEvent: consume) }
        return try translator.finish(sawEnd: sawEnd, usage: answer.usage, into: &events)
    }

    /// Runs the decoder with `consume` as its payload handler. The decoder is moved out of `self` for the
    /// call (a swap, so its buffer stays uniquely referenced) because the handler mutates `self`.
    private mutating func decode(
        into events: inout [StreamEvent], _ body: (inout SSEDecoder, ([UInt8]) throws -> Void) throws -> Void
    ) throws(AnthropicError) {
        var decoder = SSEDecoder()
        swap(&decoder, &self.decoder)
        defer { swap(&decoder, &self.decoder) }
        do {
            try body(&decoder) { payload in try consume(payload, into: &events) }
        } catch let error as AnthropicError {
            throw error
        } catch {
            throw AnthropicError(.api, "upstream stream failed: \(error)")
        }
    }

    private mutating func consume(_ payload: [UInt8], into events: inout [StreamEvent]) throws(AnthropicError) {
        if sawEnd { return }
        if payload.elementsEqual("[DONE]".utf8) {
            sawEnd = true
            return
        }
        // A line that is not JSON (a proxy's keep-alive text) carries nothing to translate.
        guard let chunk = try? JSONParser.parse(payload) else { return }
        try translator.consume(chunk, into: &events)
    }
}
