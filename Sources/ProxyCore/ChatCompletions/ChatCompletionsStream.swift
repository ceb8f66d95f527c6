/// A chat-completions stream as Anthropic events: SSE framing, the `[DONE]` end marker, each `data:`
/// payload's JSON through `StreamTranslator`.
struct ChatCompletionsStream: SSEAnswerStream {
    private var translator: StreamTranslator
    var decoder = SSEDecoder()
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

    mutating func end(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        try translator.finish(sawEnd: sawEnd, usage: answer.usage, into: &events)
    }

    mutating func consume(event: SSEEvent, into events: inout [StreamEvent]) throws(AnthropicError) {
        let payload = event.data
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
