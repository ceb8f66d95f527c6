import ProxyCore

/// Reads what a Gemini service answers to one call: a `GenerateContentResponse`, a stream of them, or a
/// Google error.
///
/// A class: the proxy holds it for as long as a response lasts, and its streams then keep one pointer.
final class GeminiAnswer: UpstreamAnswer {
    let clientModel: String
    let signatures: GeminiSignatures
    let context: CallContext
    /// The provider's name, for error messages.
    var provider: String { context.provider }

    init(clientModel: String, signatures: GeminiSignatures, context: CallContext) {
        self.clientModel = clientModel
        self.signatures = signatures
        self.context = context
    }

    func message(from body: [UInt8]) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        let response = try UpstreamErrorMapping.answerObject(body, provider: provider)
        if let failure = failure(in: response) { throw failure }
        var reader = GeminiPartReader(signatures: signatures)
        var sink = BlockList()
        let candidate = response["candidates"]?.arrayValue?.first
        for part in candidate?["content"]?["parts"]?.arrayValue ?? [] { reader.read(part, into: &sink) }
        reader.close(into: &sink)
        let sawToolUse = sink.blocks.contains { if case .toolUse = $0 { true } else { false } }
        let ending = GeminiFinish.ending(of: response) ?? .finished(reason: "STOP", message: nil)
        let (stopReason, notice) = try GeminiFinish.stop(ending, sawToolUse: sawToolUse, provider: provider)
        if let notice { sink.blocks.append(.text(notice)) }
        var message = AnthropicMessage(
            id: AnthropicID.make(prefix: "msg_"), model: clientModel, content: sink.blocks, stopReason: stopReason, usage: TokenUsage())
        let usage = context.resolvedUsage(
            reported: GeminiUsage.usage(response["usageMetadata"]), estimatedOutputTokens: message.estimatedOutputTokens)
        message.usage = usage.usage
        return (message, usage)
    }

    func makeStream(messageID: String) -> any AnswerStream {
        GeminiStream(answer: self, messageID: messageID)
    }

    /// An error object sent in place of an answer (a stream's events can be one), mapped as an HTTP error
    /// of its `code` is: Google's errors have one shape.
    func failure(in response: JSONValue) -> AnthropicError? {
        let root = response.arrayValue?.first ?? response
        guard let error = root["error"], error.objectValue != nil else { return nil }
        let status = error["code"]?.intValue ?? 500
        return UpstreamErrorMapping.error(status: status, headers: [], body: root.serialized(), provider: provider)
    }
}

/// The blocks of a complete answer.
private struct BlockList: GeminiBlockSink {
    var blocks: [AnthropicMessage.Block] = []

    mutating func appendText(_ text: String) {
        if case .text(let previous) = blocks.last {
            blocks[blocks.count - 1] = .text(previous + text)
        } else {
            blocks.append(.text(text))
        }
    }

    mutating func appendThinking(_ text: String) {
        if case .thinking(let previous, let signature) = blocks.last, signature.isEmpty {
            blocks[blocks.count - 1] = .thinking(text: previous + text, signature: "")
        } else {
            blocks.append(.thinking(text: text, signature: ""))
        }
    }

    mutating func closeThinking(signature: String) {
        if case .thinking(let text, let open) = blocks.last, open.isEmpty {
            blocks[blocks.count - 1] = .thinking(text: text, signature: signature)
        }
    }

    mutating func appendToolUse(id: String, name: String, input: JSONValue) {
        blocks.append(.toolUse(id: id, name: name, input: input))
    }
}
