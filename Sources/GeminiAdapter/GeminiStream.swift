import ProxyCore

/// A `streamGenerateContent?alt=sse` stream as Anthropic events.
///
/// Each event is a whole `GenerateContentResponse` holding the next parts of the one candidate: thought
/// and text parts in pieces, function calls whole. The chunk with a `finishReason` ends the answer (later
/// chunks may still bring usage); a body that ends before one was cut, and fails.
struct GeminiStream: SSEAnswerStream {
    private let answer: GeminiAnswer
    private var output: EventSink
    private var reader: GeminiPartReader
    var decoder = SSEDecoder()
    private var ending: GeminiFinish.Ending?
    private var reportedUsage: TokenUsage?

    init(answer: GeminiAnswer, messageID: String) {
        self.answer = answer
        output = EventSink(
            builder: StreamEventBuilder(
                messageID: messageID, clientModel: answer.clientModel, estimatedInputTokens: answer.context.estimatedInputTokens))
        reader = GeminiPartReader(signatures: answer.signatures)
    }

    mutating func start(into events: inout [StreamEvent]) {
        output.builder.start(into: &events)
    }

    mutating func end(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        guard let ending else {
            throw AnthropicError(.api, "the stream from provider '\(answer.provider)' ended before its finishReason")
        }
        let (stopReason, notice) = try GeminiFinish.stop(ending, sawToolUse: output.builder.startedToolUse, provider: answer.provider)
        swap(&events, &output.events)
        defer { swap(&events, &output.events) }
        if let notice { output.appendText(notice) }
        var usage = answer.context.resolvedUsage(reported: reportedUsage, estimatedOutputTokens: output.builder.estimatedOutputTokens)
        usage.usage = output.builder.finish(stopReason: stopReason, stopSequence: nil, usage: usage.usage, into: &output.events)
        return usage
    }

    /// One event: its parts, its finish, its usage (each chunk's is the total so far).
    mutating func consume(event: SSEEvent, into events: inout [StreamEvent]) throws(AnthropicError) {
        // A payload that is not JSON (a keep-alive from something in between) carries nothing.
        guard let response = try? JSONParser.parse(event.data), response.objectValue != nil || response.arrayValue != nil else { return }
        if let failure = answer.failure(in: response) { throw failure }
        if let usage = GeminiUsage.usage(response["usageMetadata"]) { reportedUsage = usage }
        guard ending == nil else { return }
        // The sink writes straight into the caller's events, lent for the call.
        swap(&events, &output.events)
        defer { swap(&events, &output.events) }
        for part in response["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? [] { reader.read(part, into: &output) }
        if let ending = GeminiFinish.ending(of: response) {
            reader.close(into: &output)
            self.ending = ending
        }
    }
}

/// The stream's builder, writing into the events the stream is given (lent to it for each call).
private struct EventSink: GeminiBlockSink {
    var builder: StreamEventBuilder
    var events: [StreamEvent] = []

    mutating func appendText(_ text: String) {
        builder.appendText(text, into: &events)
    }

    mutating func appendThinking(_ text: String) {
        builder.appendThinking(text, into: &events)
    }

    mutating func closeThinking(signature: String) {
        builder.closeBlock(thinkingSignature: signature, into: &events)
    }

    mutating func appendToolUse(id: String, name: String, input: JSONValue) {
        builder.startToolUse(id: id, name: name, into: &events)
        builder.appendToolInput(input.serializedString(), into: &events)
        builder.closeBlock(into: &events)
    }
}
