/// A complete assistant message, the body of a non-streaming `/v1/messages` response.
package struct AnthropicMessage: Sendable, Equatable {
    package enum Block: Sendable, Equatable {
        case text(String)
        case thinking(text: String, signature: String)
        case toolUse(id: String, name: String, input: JSONValue)
    }

    package var id: String
    /// The model name the client asked for, echoed so its per-model logic stays stable.
    package var model: String
    package var content: [Block]
    package var stopReason: StopReason
    package var stopSequence: String?
    package var usage: TokenUsage

    package init(id: String, model: String, content: [Block], stopReason: StopReason, stopSequence: String? = nil, usage: TokenUsage) {
        self.id = id
        self.model = model
        self.content = content
        self.stopReason = stopReason
        self.stopSequence = stopSequence
        self.usage = usage
    }

    package var json: JSONValue {
        let blocks = content.isEmpty ? [Block.text("")] : content
        return [
            "id": .string(id),
            "type": "message",
            "role": "assistant",
            "model": .string(model),
            "content": .array(blocks.map(\.json)),
            "stop_reason": .string(stopReason.rawValue),
            "stop_sequence": stopSequence.map(JSONValue.string) ?? .null,
            "usage": usage.json,
        ]
    }
}

extension AnthropicMessage.Block {
    package var json: JSONValue {
        switch self {
        case .text(let text): return ["type": "text", "text": .string(text)]
        case .thinking(let text, let signature):
            return ["type": "thinking", "thinking": .string(text), "signature": .string(signature)]
        case .toolUse(let id, let name, let input):
            return ["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]
        }
    }
}

/// Anthropic-style ids (`msg_…`, `toolu_…`): a prefix and 24 random base62 characters.
package enum AnthropicID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// Each 64-bit draw from the system generator (a `getrandom` call) yields 10 characters, rather than
    /// one call per character.
    package static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var id = prefix
        var value: UInt64 = 0
        for position in 0..<24 {
            if position % 10 == 0 { value = generator.next() }
            id.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return id
    }
}
