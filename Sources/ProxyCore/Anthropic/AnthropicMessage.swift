import Synchronization

/// A complete assistant message, the body of a non-streaming `/v1/messages` response.
public struct AnthropicMessage: Sendable, Equatable {
    /// One content block of the answer.
    public enum Block: Sendable, Equatable {
        /// Answer text.
        case text(String)
        /// Reasoning, with the signature a client sends back with it on the next turn.
        case thinking(text: String, signature: String)
        /// A tool call: its id (`toolu_…`), the client's tool name, and its input object.
        case toolUse(id: String, name: String, input: JSONValue)
    }

    /// The message id (`msg_…`).
    public var id: String
    /// The model name the client asked for, echoed so its per-model logic stays stable.
    public var model: String
    /// The blocks in order; an empty list is sent as one empty text block.
    public var content: [Block]
    /// Why the answer ended.
    public var stopReason: StopReason
    /// The client's stop sequence that ended it, when `stopReason` is `stop_sequence`.
    public var stopSequence: String?
    /// The answer's token counts.
    public var usage: TokenUsage

    /// A message as an adapter builds it from an upstream answer.
    public init(id: String, model: String, content: [Block], stopReason: StopReason, stopSequence: String? = nil, usage: TokenUsage) {
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

extension AnthropicMessage {
    /// The message's output in tokens, estimated from its text, reasoning and tool input: the count to
    /// report when the upstream reports none.
    public var estimatedOutputTokens: Int {
        var tally = TextTally()
        for block in content {
            switch block {
            case .text(let text): tally.add(text)
            case .thinking(let text, _): tally.add(text)
            case .toolUse(_, let name, let input):
                tally.add(name)
                tally.add(json: input)
            }
        }
        return tally.tokens
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

/// Anthropic-style ids (`msg_…`, `toolu_…`): a prefix and 24 base62 characters.
///
/// The characters come from a SplitMix64 sequence seeded once from the system generator, not from
/// `getrandom` per id: a request makes two or three ids, and each cost three system calls. The ids must
/// be unique and look random; they are not secrets (nothing authenticates with them).
public enum AnthropicID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    private static let seed: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let draws = Atomic<UInt64>(0)

    /// A fresh id: `prefix` (`msg_`, `toolu_`) and 24 base62 characters.
    public static func make(prefix: String) -> String {
        // Three consecutive draws of the sequence, each good for 10 characters.
        let last = draws.add(3, ordering: .relaxed).newValue
        var id = prefix
        var value: UInt64 = 0
        for position in 0..<24 {
            if position % 10 == 0 { value = splitMix(last - 2 + UInt64(position / 10)) }
            id.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return id
    }

    /// The SplitMix64 output for draw `index`: a bijection of `seed + index × γ`.
    private static func splitMix(_ index: UInt64) -> UInt64 {
        var z = seed &+ index &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
