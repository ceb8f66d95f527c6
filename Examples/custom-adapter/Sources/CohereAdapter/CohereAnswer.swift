import ClaudeCodeProxyKit

/// Reads what Cohere answers to one call: an error, a complete `/v2/chat` body, or a stream.
struct CohereAnswer: UpstreamAnswer {
    /// The model the client asked for, which its answer echoes.
    let clientModel: String
    let stopSequences: [String]
    let context: CallContext

    /// The provider's name in config.yaml, for error messages.
    var provider: String { context.provider }

    func message(from body: [UInt8]) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        let answer = try UpstreamErrorMapping.answerObject(body, provider: provider)
        guard let reply = answer["message"], reply.objectValue != nil else {
            let detail = answer["message"]?.stringValue.map { ": \($0)" } ?? " without a message"
            throw AnthropicError(.api, "provider '\(provider)' sent an answer\(detail)", status: 502)
        }
        let finishReason = answer["finish_reason"]?.stringValue
        if let failure = CohereFinish.failure(finishReason: finishReason, error: nil, provider: provider) {
            throw AnthropicError(failure.type, failure.message, status: 502)
        }
        let content = Self.blocks(of: reply)
        let sawToolUse = content.contains { if case .toolUse = $0 { true } else { false } }
        let stopReason = CohereFinish.stopReason(finishReason, sawToolUse: sawToolUse)
        var message = AnthropicMessage(
            id: Self.messageID(upstream: answer["id"]?.stringValue), model: clientModel, content: content,
            stopReason: stopReason, stopSequence: stopReason == .stopSequence ? CohereFinish.stopSequence(of: stopSequences) : nil,
            usage: TokenUsage()
        )
        let usage = context.resolvedUsage(
            reported: CohereUsage.usage(answer["usage"]), estimatedOutputTokens: message.estimatedOutputTokens
        )
        message.usage = usage.usage
        return (message, usage)
    }

    func makeStream(messageID: String) -> any AnswerStream {
        CohereStream(answer: self, messageID: messageID)
    }

    /// `msg_` and Cohere's id (made safe), or a fresh id when it sent none.
    private static func messageID(upstream: String?) -> String {
        guard let upstream, !upstream.isEmpty else { return AnthropicID.make(prefix: "msg_") }
        return "msg_" + ToolCallID.normalized(upstream)
    }

    /// Thinking and text in Cohere's order; a tool turn's `tool_plan` as the text before its calls.
    private static func blocks(of reply: JSONValue) -> [AnthropicMessage.Block] {
        var blocks: [AnthropicMessage.Block] = []
        for item in reply["content"]?.arrayValue ?? [] {
            if item["type"]?.stringValue == "thinking", let thought = item["thinking"]?.stringValue, !thought.isEmpty {
                blocks.append(.thinking(text: thought, signature: ThinkingSignature.proxySignature))
            } else if let text = item["text"]?.stringValue, !text.isEmpty {
                blocks.append(.text(text))
            }
        }
        let calls = reply["tool_calls"]?.arrayValue ?? []
        let hasText = blocks.contains { if case .text = $0 { true } else { false } }
        if !calls.isEmpty, !hasText, let plan = reply["tool_plan"]?.stringValue, !plan.isEmpty {
            blocks.append(.text(plan))
        }
        for call in calls {
            guard let name = call["function"]?["name"]?.stringValue, !name.isEmpty else { continue }
            let input = ToolArguments.object(from: call["function"]?["arguments"])
            blocks.append(.toolUse(id: ToolCallID.normalized(call["id"]?.stringValue), name: name, input: input))
        }
        return blocks
    }
}

/// Cohere's `finish_reason`s, for complete answers and streams alike.
enum CohereFinish {
    /// The error for an answer that failed: `ERROR` (or an error message), `TIMEOUT`.
    static func failure(finishReason: String?, error: String?, provider: String) -> AnthropicError? {
        let detail = error.flatMap { $0.isEmpty ? nil : ": \($0)" } ?? ""
        switch finishReason {
        case "TIMEOUT":
            return AnthropicError(.timeout, "provider '\(provider)' timed out generating the answer\(detail)")
        case let reason? where reason.hasPrefix("ERROR"):
            return AnthropicError(.api, "provider '\(provider)' failed generating the answer (\(reason))\(detail)")
        default:
            return detail.isEmpty ? nil : AnthropicError(.api, "provider '\(provider)' failed generating the answer\(detail)")
        }
    }

    /// A turn that produced tool calls is `tool_use` whatever Cohere said; unknown reasons end the turn.
    static func stopReason(_ finishReason: String?, sawToolUse: Bool) -> StopReason {
        switch finishReason {
        case "MAX_TOKENS": return .maxTokens
        case _ where sawToolUse: return .toolUse
        case "STOP_SEQUENCE": return .stopSequence
        default: return .endTurn
        }
    }

    /// Cohere does not say which stop sequence it met: only a request with a single one can tell.
    static func stopSequence(of stopSequences: [String]) -> String? {
        stopSequences.count == 1 ? stopSequences[0] : nil
    }
}

/// Cohere's `usage` as Anthropic's: `tokens` (what the model processed) rather than `billed_units`,
/// which leave out the prompt template; `cached_tokens` counted as cache reads, outside `input_tokens`.
enum CohereUsage {
    static func usage(_ usage: JSONValue?) -> TokenUsage? {
        guard let usage, usage.objectValue != nil else { return nil }
        let counts = usage["tokens"]?.objectValue != nil ? usage["tokens"] : usage["billed_units"]
        guard let counts else { return nil }
        let input = counts["input_tokens"]?.doubleValue.map { Int($0) } ?? 0
        let output = counts["output_tokens"]?.doubleValue.map { Int($0) } ?? 0
        let cached = min(usage["cached_tokens"]?.doubleValue.map { Int($0) } ?? 0, input)
        return TokenUsage(inputTokens: input - cached, outputTokens: output, cacheReadInputTokens: cached)
    }
}
