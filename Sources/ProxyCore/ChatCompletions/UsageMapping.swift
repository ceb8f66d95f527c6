/// OpenAI-family usage → Anthropic usage (docs/translation.md §5.5).
package enum UsageMapping {
    /// nil when the upstream sent no usage object at all.
    package static func usage(fromOpenAI usage: JSONValue?) -> TokenUsage? {
        guard let usage, case .object = usage else { return nil }
        let prompt = usage["prompt_tokens"]?.intValue ?? 0
        let completion = usage["completion_tokens"]?.intValue ?? 0
        let details = usage["prompt_tokens_details"]
        let cacheRead =
            details?["cached_tokens"]?.intValue
            ?? usage["prompt_cache_hit_tokens"]?.intValue
            ?? usage["cache_read_input_tokens"]?.intValue ?? 0
        let cacheCreation =
            details?["cache_write_tokens"]?.intValue
            ?? usage["cache_creation_input_tokens"]?.intValue ?? 0
        return TokenUsage(
            inputTokens: max(prompt - cacheRead - cacheCreation, 0),
            outputTokens: completion,
            cacheCreationInputTokens: cacheCreation,
            cacheReadInputTokens: cacheRead
        )
    }
}
