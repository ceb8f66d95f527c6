/// A local Ollama through its OpenAI-compatible `/v1` endpoint; no key needed.
package struct OllamaAdapter: ProviderAdapter {
    package static let kind = "ollama"
    package let settings: ProviderSettings

    package init(settings: ProviderSettings) {
        self.settings = settings
    }

    package var requiresAPIKey: Bool { false }

    package func chatCompletionsURL(model: String) -> String {
        let base = trimmedBaseURL
        return (base.hasSuffix("/v1") ? base : base + "/v1") + "/chat/completions"
    }

    package func authHeaders(apiKey: String) -> [HTTPHeader] {
        [HTTPHeader("authorization", "Bearer \(apiKey)")]
    }

    /// Local chat templates often demand strict user/assistant alternation.
    package func requestOptions(model: String, maxTokens: Int) -> RequestTranslator.Options {
        var options = RequestTranslator.Options(upstreamModel: model, maxTokens: maxTokens)
        options.mergeConsecutiveUsers = true
        return options
    }

    /// Ollama reported `prompt_tokens: 0` (or only the uncached part) when its prefix cache hit; Claude
    /// Code would then think the context nearly empty. A count far below the estimate is replaced by it.
    package func usage(_ reported: TokenUsage, estimatedInputTokens: Int) -> TokenUsage {
        var usage = reported
        let prompt = usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens
        if prompt < estimatedInputTokens / 2 {
            usage.inputTokens = max(estimatedInputTokens - usage.cacheReadInputTokens - usage.cacheCreationInputTokens, 1)
        }
        return usage
    }
}
