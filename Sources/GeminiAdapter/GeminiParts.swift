import ProxyCore

/// Where the blocks read from Gemini's parts go: a complete message's block list, or a stream's events.
protocol GeminiBlockSink {
    mutating func appendText(_ text: String)
    mutating func appendThinking(_ text: String)
    /// Ends the open thinking block with its signature.
    mutating func closeThinking(signature: String)
    mutating func appendToolUse(id: String, name: String, input: JSONValue)
}

/// Reads a candidate's parts, one at a time and in order, into Anthropic blocks: thoughts (`thought: true`)
/// as thinking, text as text, function calls as `tool_use`. Consecutive parts of one kind (a stream's
/// chunks) join into one block, and each signature goes where `GeminiSignatures` says. The signature of an
/// answer's text (on its last part, or on an empty part after it in a stream) is not kept: it could only
/// travel in a block after the text, and clients read an answer's last block as its result; Gemini does not
/// check it.
struct GeminiPartReader {
    let signatures: GeminiSignatures
    private var open: Open?
    private var thinkingToken: String?

    private enum Open { case thinking, text }

    init(signatures: GeminiSignatures) {
        self.signatures = signatures
    }

    mutating func read(_ part: JSONValue, into sink: inout some GeminiBlockSink) {
        let token = part["thoughtSignature"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let call = part["functionCall"], call.objectValue != nil {
            close(into: &sink)
            guard let name = call["name"]?.stringValue, !name.isEmpty else { return }
            let id = signatures.toolUseID(signature: token, callID: call["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
            sink.appendToolUse(id: id, name: name, input: ToolArguments.object(from: call["args"]))
            return
        }
        guard let text = part["text"]?.stringValue else { return }  // code execution, inline media: not asked for
        if part["thought"]?.boolValue == true {
            // A signature on an empty thought part belongs to the thought before it.
            if text.isEmpty, open == .thinking, let token { thinkingToken = token }
            guard !text.isEmpty else { return }
            if open != .thinking { close(into: &sink) }
            open = .thinking
            sink.appendThinking(text)
            if let token { thinkingToken = token }
        } else if !text.isEmpty {
            if open != .text { close(into: &sink) }
            open = .text
            sink.appendText(text)
        }
    }

    /// Ends the open block: the answer's parts are all read, or a part of another kind follows.
    mutating func close(into sink: inout some GeminiBlockSink) {
        if open == .thinking { sink.closeThinking(signature: signatures.thinkingSignature(thinkingToken)) }
        open = nil
        thinkingToken = nil
    }
}

/// Gemini's `finishReason`s and blocked prompts, for complete answers and streams alike.
enum GeminiFinish {
    /// How an answer ended: a finished candidate's `finishReason`, or the `promptFeedback.blockReason` of
    /// a prompt Gemini refused to answer.
    enum Ending {
        case finished(reason: String, message: String?)
        case blocked(reason: String)
    }

    /// The ending a response reports, if any.
    static func ending(of response: JSONValue) -> Ending? {
        let candidates = response["candidates"]?.arrayValue ?? []
        if candidates.isEmpty, let reason = response["promptFeedback"]?["blockReason"]?.stringValue { return .blocked(reason: reason) }
        guard let reason = candidates.first?["finishReason"]?.stringValue else { return nil }
        return .finished(reason: reason, message: candidates.first?["finishMessage"]?.stringValue)
    }

    /// The stop reason, and the notice a refused answer ends with. A turn with function calls is
    /// `tool_use` whatever Gemini said. Throws for a function call Gemini could not produce (a retry may).
    static func stop(_ ending: Ending, sawToolUse: Bool, provider: String) throws(AnthropicError) -> (StopReason, notice: String?) {
        switch ending {
        case .blocked(let reason):
            return (.refusal, "\(StopReason.contentFilterNotice) (prompt: \(reason))")
        case .finished("MAX_TOKENS", _):
            return (.maxTokens, nil)
        case .finished(let reason, let message) where malformedCalls.contains(reason):
            let detail = message.map { ": \($0)" } ?? ""
            throw AnthropicError(.api, "provider '\(provider)' could not produce a valid function call (\(reason))\(detail)", status: 502)
        case .finished(let reason, _) where !sawToolUse && refusals.contains(reason):
            return (.refusal, "\(StopReason.contentFilterNotice) (\(reason))")
        case .finished:
            return (sawToolUse ? .toolUse : .endTurn, nil)
        }
    }

    private static let malformedCalls: Set<String> = ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"]

    /// The reasons a candidate was stopped by a filter.
    private static let refusals: Set<String> = [
        "SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "LANGUAGE", "IMAGE_PROHIBITED_CONTENT",
    ]
}

/// Gemini's `usageMetadata` as Anthropic's usage: `promptTokenCount` includes the cached tokens (cache
/// reads here, outside `input_tokens`) and leaves out the tool-use prompt; thoughts count as output.
enum GeminiUsage {
    static func usage(_ metadata: JSONValue?) -> TokenUsage? {
        guard let metadata, metadata.objectValue != nil else { return nil }
        let prompt = (metadata["promptTokenCount"]?.intValue ?? 0) + (metadata["toolUsePromptTokenCount"]?.intValue ?? 0)
        let cached = min(metadata["cachedContentTokenCount"]?.intValue ?? 0, prompt)
        return TokenUsage(
            inputTokens: prompt - cached,
            outputTokens: (metadata["candidatesTokenCount"]?.intValue ?? 0) + (metadata["thoughtsTokenCount"]?.intValue ?? 0),
            cacheReadInputTokens: cached)
    }
}
