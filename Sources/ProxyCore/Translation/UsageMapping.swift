/// OpenAI-family usage → Anthropic usage (translation.md §5.5).
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

/// Final usage for a response: the upstream's numbers, with estimates filling whatever it left at zero
/// (when estimation is on), so no response reports 0 input tokens.
package struct ResolvedUsage: Sendable, Equatable {
    package var usage: TokenUsage
    /// Whether any count is the proxy's estimate (marked in the usage log line).
    package var estimated: Bool

    package init(upstream: TokenUsage?, estimatedInput: Int, estimatedOutput: Int, estimationEnabled: Bool) {
        var usage = upstream ?? TokenUsage()
        var estimated = false
        if estimationEnabled {
            if usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens == 0 {
                usage.inputTokens = estimatedInput
                estimated = true
            }
            if usage.outputTokens == 0, estimatedOutput > 0 {
                usage.outputTokens = estimatedOutput
                estimated = true
            }
        }
        self.usage = usage
        self.estimated = estimated
    }
}
