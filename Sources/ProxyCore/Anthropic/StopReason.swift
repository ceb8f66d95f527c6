/// The values Anthropic allows in `stop_reason`; anything else breaks clients.
public enum StopReason: String, Sendable {
    /// The answer is complete.
    case endTurn = "end_turn"
    /// The output limit cut it.
    case maxTokens = "max_tokens"
    /// One of the client's stop sequences ended it.
    case stopSequence = "stop_sequence"
    /// It ends with tool calls for the client to run.
    case toolUse = "tool_use"
    /// The provider declined (a content filter).
    case refusal = "refusal"

    /// Maps an OpenAI `finish_reason`. A turn that produced tool calls is `tool_use` whatever the upstream
    /// said (Ollama and Gemini finish tool turns with "stop"); one that produced none never is.
    /// - Parameter matchedStopSequence: the client's stop sequence the upstream says it stopped at
    ///   (vLLM's `choices[].stop_reason`); OpenAI does not say, so its stops are `end_turn`.
    package init(finishReason: String?, sawToolUse: Bool, matchedStopSequence: String? = nil) {
        switch finishReason {
        case "length": self = .maxTokens
        case "content_filter": self = .refusal
        case _ where sawToolUse: self = .toolUse
        case "stop" where matchedStopSequence != nil: self = .stopSequence
        default: self = .endTurn
        }
    }

    /// The client's stop sequence a choice reports having matched, if any.
    package static func matchedStopSequence(in choice: JSONValue, of stopSequences: [String]) -> String? {
        guard let reported = choice["stop_reason"]?.stringValue, stopSequences.contains(reported) else { return nil }
        return reported
    }

    /// Shown as text before a `refusal`: Claude Code would otherwise show its own usage-policy message
    /// and suggest another Claude model, which says nothing about what happened upstream.
    public static let contentFilterNotice = "[the upstream provider's content filter blocked this response]"
}
