/// The stream events of an already complete message, for upstreams that answer a streaming request with
/// one JSON body (some servers ignore `stream`, or send errors as plain JSON).
package enum MessageReplay {
    package static func events(for message: AnthropicMessage, estimatedInputTokens: Int) -> [StreamEvent] {
        var events: [StreamEvent] = [
            .messageStart(id: message.id, model: message.model, usage: TokenUsage(inputTokens: estimatedInputTokens)),
            .ping,
        ]
        for (index, block) in message.content.enumerated() {
            switch block {
            case .text(let text):
                events.append(.contentBlockStart(index: index, block: .text))
                if !text.isEmpty { events.append(.contentBlockDelta(index: index, delta: .text(text))) }
            case .thinking(let text, let signature):
                events.append(.contentBlockStart(index: index, block: .thinking))
                events.append(.contentBlockDelta(index: index, delta: .thinking(text)))
                events.append(.contentBlockDelta(index: index, delta: .signature(signature)))
            case .toolUse(let id, let name, let input):
                events.append(.contentBlockStart(index: index, block: .toolUse(id: id, name: name)))
                events.append(.contentBlockDelta(index: index, delta: .inputJSON(input.serializedString())))
            }
            events.append(.contentBlockStop(index: index))
        }
        var usage = message.usage
        if usage.inputTokens == 0 { usage.inputTokens = 1 }
        events.append(.messageDelta(stopReason: message.stopReason, stopSequence: message.stopSequence, usage: usage))
        events.append(.messageStop)
        return events
    }
}
