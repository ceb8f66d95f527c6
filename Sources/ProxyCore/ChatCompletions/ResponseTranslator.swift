/// A non-streaming OpenAI chat completion → an Anthropic message (docs/translation.md §4).
package enum ResponseTranslator {
    /// - Returns: the message, and the upstream usage if the upstream reported one.
    package static func message(
        from completion: JSONValue, clientModel: String, toolNames: ToolNameMapping = .identity, stopSequences: [String] = [],
        thinkTags: Bool = false
    ) throws(AnthropicError) -> (message: AnthropicMessage, upstreamUsage: TokenUsage?) {
        if let error = completion["error"], !error.isNull {
            throw AnthropicError.inBand(error)
        }
        guard let choice = completion["choices"]?.arrayValue?.first, let reply = choice["message"] else {
            throw AnthropicError(.api, "the upstream answer has no choices[0].message")
        }
        var reasoning = reasoningText(in: reply) ?? ""
        var text = contentText(reply["content"]) ?? ""
        if thinkTags {
            var splitter = ThinkTagSplitter()
            let pieces = splitter.feed(text) + splitter.finish()
            text = ""
            for piece in pieces {
                switch piece {
                case .thinking(let thought): reasoning += thought
                case .text(let answer): text += answer
                }
            }
        }
        var blocks: [AnthropicMessage.Block] = []
        if !reasoning.isEmpty {
            blocks.append(.thinking(text: reasoning, signature: ThinkingSignature.proxySignature))
        }
        if !text.isEmpty {
            blocks.append(.text(text))
        }
        if let refusal = reply["refusal"]?.stringValue, !refusal.isEmpty {
            blocks.append(.text(refusal))
        }
        for call in reply["tool_calls"]?.arrayValue ?? [] {
            let function = call["function"]
            guard let name = function?["name"]?.stringValue, !name.isEmpty else { continue }
            blocks.append(
                .toolUse(
                    id: GeminiCompatSignature.toolUseID(for: call),
                    name: toolNames.clientName(for: name),
                    input: ToolArguments.object(from: function?["arguments"])
                )
            )
        }
        let sawToolUse = blocks.contains { if case .toolUse = $0 { return true } else { return false } }
        let refused = !(reply["refusal"]?.stringValue ?? "").isEmpty
        let finishReason = choice["finish_reason"]?.stringValue
        let matched = StopReason.matchedStopSequence(in: choice, of: stopSequences)
        let stopReason =
            refused ? StopReason.refusal : StopReason(finishReason: finishReason, sawToolUse: sawToolUse, matchedStopSequence: matched)
        if finishReason == "content_filter" { blocks.append(.text(StopReason.contentFilterNotice)) }
        let upstreamUsage = UsageMapping.usage(fromOpenAI: completion["usage"])
        let message = AnthropicMessage(
            id: messageID(from: completion["id"]?.stringValue),
            model: clientModel,
            content: blocks,
            stopReason: stopReason,
            stopSequence: stopReason == .stopSequence ? matched : nil,
            usage: upstreamUsage ?? TokenUsage()
        )
        return (message, upstreamUsage)
    }

    private static func reasoningText(in message: JSONValue) -> String? {
        if let text = message["reasoning_content"]?.stringValue { return text }
        if let text = message["reasoning"]?.stringValue { return text }
        if let details = message["reasoning_details"]?.arrayValue {
            return details.compactMap { $0["text"]?.stringValue }.joined()
        }
        return nil
    }

    private static func contentText(_ content: JSONValue?) -> String? {
        switch content {
        case .string(let text): return text
        case .array(let parts): return parts.compactMap { $0["text"]?.stringValue }.joined()
        default: return nil
        }
    }

    private static func messageID(from upstreamID: String?) -> String {
        guard let upstreamID, !upstreamID.isEmpty else { return AnthropicID.make(prefix: "msg_") }
        return upstreamID.hasPrefix("msg_") ? upstreamID : "msg_" + ToolCallID.normalized(upstreamID)
    }
}

extension String {
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
