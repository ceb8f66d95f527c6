extension Quirks {
    /// Top-level request fields the upstream rejects, removed before sending (many Anthropic-compatible
    /// endpoints answer 400 to `context_management` or `output_config`, which Claude Code sends).
    package static let dropFields = Quirk<[String]>("drop_fields", default: [], expected: "a list of request field names") {
        guard let names = $0.arrayValue else { return nil }
        let strings = names.compactMap(\.stringValue)
        return strings.count == names.count ? strings : nil
    }
    /// Pass the client's `anthropic-beta` header on, or drop it (endpoints that reject flags they do not know).
    package static let anthropicBeta = Quirk.choice("anthropic_beta", ["pass": true, "drop": false], default: true)
    /// Pass adaptive thinking on, or send it as thinking with a budget (endpoints that know only `enabled`).
    package static let budgetAdaptiveThinking = Quirk.choice("adaptive_thinking", ["pass": false, "budget": true], default: false)

    /// The Anthropic-native adapter's quirks.
    static let anthropicNative: [any AnyQuirk] = [dropFields, anthropicBeta, budgetAdaptiveThinking]
}
