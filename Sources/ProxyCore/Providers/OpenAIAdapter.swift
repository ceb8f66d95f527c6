/// api.openai.com and any server that follows it exactly: Bearer auth, `{base}/chat/completions`.
package struct OpenAIAdapter: ProviderAdapter {
    package static let kind = "openai"
    package let settings: ProviderSettings

    package init(settings: ProviderSettings) {
        self.settings = settings
    }

    package func chatCompletionsURL(model: String) -> String {
        trimmedBaseURL + "/chat/completions"
    }

    package func authHeaders(apiKey: String) -> [HTTPHeader] {
        [HTTPHeader("authorization", "Bearer \(apiKey)")]
    }

    package func requestOptions(model: String, maxTokens: Int) -> RequestTranslator.Options {
        Self.options(model: model, upstreamModel: model, maxTokens: maxTokens)
    }

    /// OpenAI's rules, shared with Azure, which serves the same models under deployment names.
    static func options(model: String, upstreamModel: String, maxTokens: Int) -> RequestTranslator.Options {
        let reasoning = isReasoningModel(model)
        var options = RequestTranslator.Options(
            upstreamModel: upstreamModel, maxTokens: maxTokens,
            maxTokensField: reasoning ? "max_completion_tokens" : "max_tokens",
            omitSamplingParameters: reasoning,
            acceptsReasoningEffort: reasoning
        )
        options.sendPromptCacheKey = true
        return options
    }

    /// o-series and gpt-5 models take `max_completion_tokens` and reject `temperature`, `top_p`, `stop`.
    /// `gpt-5-chat-*` is not a reasoning model.
    package static func isReasoningModel(_ model: String) -> Bool {
        let name = model.lowercased().split(separator: "/").last.map(String.init) ?? model.lowercased()
        if name.hasPrefix("gpt-5") { return !name.hasPrefix("gpt-5-chat") }
        return ["o1", "o3", "o4"].contains { name == $0 || name.hasPrefix($0 + "-") }
    }
}
