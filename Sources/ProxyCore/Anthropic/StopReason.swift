/// The values Anthropic allows in `stop_reason`; anything else breaks clients.
package enum StopReason: String, Sendable {
    case endTurn = "end_turn"
    case maxTokens = "max_tokens"
    case stopSequence = "stop_sequence"
    case toolUse = "tool_use"
    case refusal = "refusal"

    /// Maps an OpenAI `finish_reason`. A turn that produced tool calls is `tool_use` whatever the upstream
    /// said (Ollama and Gemini finish tool turns with "stop"); one that produced none never is.
    package init(finishReason: String?, sawToolUse: Bool) {
        switch finishReason {
        case "length": self = .maxTokens
        case "content_filter": self = .refusal
        default: self = sawToolUse ? .toolUse : .endTurn
        }
    }
}
