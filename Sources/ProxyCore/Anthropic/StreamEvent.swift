/// One Anthropic server-sent event, rendered exactly as the Messages API streams it.
public enum StreamEvent: Sendable, Equatable {
    /// What a `content_block_start` opens.
    public enum BlockStart: Sendable, Equatable {
        /// A text block.
        case text
        /// A thinking block.
        case thinking
        /// A tool call with its id and the client's tool name.
        case toolUse(id: String, name: String)
    }

    /// What a `content_block_delta` carries; each kind belongs to one block kind.
    public enum Delta: Sendable, Equatable {
        /// Text for a text block.
        case text(String)
        /// Reasoning for a thinking block.
        case thinking(String)
        /// The signature that ends a thinking block.
        case signature(String)
        /// A fragment of a tool call's input JSON; a block's fragments concatenate to one object.
        case inputJSON(String)
    }

    /// Opens the stream: the message id, the client's model name, the usage known so far (the prompt estimate).
    case messageStart(id: String, model: String, usage: TokenUsage)
    /// Keeps connections alive; carries nothing.
    case ping
    /// Opens block `index` (0, 1, 2 … in order; one open at a time).
    case contentBlockStart(index: Int, block: BlockStart)
    /// Adds to the open block.
    case contentBlockDelta(index: Int, delta: Delta)
    /// Closes the open block.
    case contentBlockStop(index: Int)
    /// After the last block: why the answer ended, and the final usage.
    case messageDelta(stopReason: StopReason, stopSequence: String?, usage: TokenUsage)
    /// Ends the stream.
    case messageStop
    /// Ends a failed stream.
    case error(type: AnthropicErrorType, message: String)
    /// An event exactly as an Anthropic upstream sent it: its name and its `data` JSON text, relayed as is.
    case encoded(name: String, data: [UInt8])

    /// The SSE event name (`message_start`, `content_block_delta`, …).
    public var name: String {
        switch self {
        case .messageStart: return "message_start"
        case .ping: return "ping"
        case .contentBlockStart: return "content_block_start"
        case .contentBlockDelta: return "content_block_delta"
        case .contentBlockStop: return "content_block_stop"
        case .messageDelta: return "message_delta"
        case .messageStop: return "message_stop"
        case .error: return "error"
        case .encoded(let name, _): return name
        }
    }

    package var json: JSONValue {
        switch self {
        case .messageStart(let id, let model, let usage):
            return [
                "type": "message_start",
                "message": [
                    "id": .string(id), "type": "message", "role": "assistant", "model": .string(model),
                    "content": [], "stop_reason": .null, "stop_sequence": .null, "usage": usage.json,
                ],
            ]
        case .ping:
            return ["type": "ping"]
        case .contentBlockStart(let index, let block):
            let content: JSONValue
            switch block {
            case .text: content = ["type": "text", "text": ""]
            case .thinking: content = ["type": "thinking", "thinking": "", "signature": ""]
            case .toolUse(let id, let name): content = ["type": "tool_use", "id": .string(id), "name": .string(name), "input": [:]]
            }
            return ["type": "content_block_start", "index": .integer(Int64(index)), "content_block": content]
        case .contentBlockDelta(let index, let delta):
            let body: JSONValue
            switch delta {
            case .text(let text): body = ["type": "text_delta", "text": .string(text)]
            case .thinking(let text): body = ["type": "thinking_delta", "thinking": .string(text)]
            case .signature(let signature): body = ["type": "signature_delta", "signature": .string(signature)]
            case .inputJSON(let json): body = ["type": "input_json_delta", "partial_json": .string(json)]
            }
            return ["type": "content_block_delta", "index": .integer(Int64(index)), "delta": body]
        case .contentBlockStop(let index):
            return ["type": "content_block_stop", "index": .integer(Int64(index))]
        case .messageDelta(let stopReason, let stopSequence, let usage):
            return [
                "type": "message_delta",
                "delta": ["stop_reason": .string(stopReason.rawValue), "stop_sequence": stopSequence.map(JSONValue.string) ?? .null],
                "usage": usage.json,
            ]
        case .messageStop:
            return ["type": "message_stop"]
        case .error(let type, let message):
            return ["type": "error", "error": ["type": .string(type.rawValue), "message": .string(message)]]
        case .encoded(_, let data):
            return (try? JSONParser.parse(data)) ?? .null
        }
    }

    /// `event: NAME\ndata: JSON\n\n`, appended to `output`.
    package func writeSSE(into output: inout [UInt8]) {
        output.append(contentsOf: "event: ".utf8)
        output.append(contentsOf: name.utf8)
        output.append(contentsOf: "\ndata: ".utf8)
        if case .encoded(_, let data) = self { output.append(contentsOf: data) } else { json.write(into: &output) }
        output.append(contentsOf: "\n\n".utf8)
    }
}
