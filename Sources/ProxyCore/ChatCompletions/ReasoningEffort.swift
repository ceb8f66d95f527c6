/// Anthropic's thinking settings → OpenAI's `reasoning_effort` (docs/translation.md §3.9).
package enum ReasoningEffort {
    /// nil when the upstream default should apply: no thinking requested, or thinking disabled (Claude
    /// Code ≥ 2.1.166 sends `thinking: disabled` together with an effort, which must then be ignored).
    package static func derive(thinking: ThinkingSetting?, effort: String?) -> String? {
        switch thinking {
        case .none, .disabled:
            return nil
        case .enabled(let budget):
            switch budget {
            case ...0: return nil
            case 1..<4096: return "low"
            case 4096..<16384: return "medium"
            default: return "high"
            }
        case .adaptive:
            switch effort {
            case "low", "medium", "high": return effort
            case "xhigh", "max": return "high"
            default: return "medium"
            }
        }
    }
}
