extension Quirks {
    /// Top-level request fields the upstream rejects, removed before sending (many Anthropic-compatible
    /// endpoints answer 400 to `context_management` or `output_config`, which Claude Code sends).
    package static let dropFields = Quirk.names("drop_fields", expected: "a list of request field names")
    /// Pass the client's `anthropic-beta` header on, or drop it (endpoints that reject flags they do not know).
    package static let anthropicBeta = Quirk.choice("anthropic_beta", ["pass": true, "drop": false], default: true)
    /// Pass adaptive thinking on, or send it as thinking with a budget (endpoints that know only `enabled`).
    package static let budgetAdaptiveThinking = Quirk.choice("adaptive_thinking", ["pass": false, "budget": true], default: false)
    /// Content block types the upstream rejects or ignores (documents, search results…), each replaced by a
    /// line of text saying it was removed, in messages and in tool results.
    package static let dropBlocks = Quirk.names("drop_blocks", expected: "a list of content block types")
    /// Pass `system` messages in the middle of `messages` on (Claude Code sends them), or send each as a user
    /// message wrapped in `<system-reminder>`, for endpoints that accept only `user` and `assistant` there.
    package static let systemMessages = Quirk.choice("system_messages", ["pass": false, "user": true], default: false)

    /// The Anthropic-native adapter's quirks.
    static let anthropicNative: [any AnyQuirk] = [dropFields, anthropicBeta, budgetAdaptiveThinking, dropBlocks, systemMessages]
}
