/// api.openai.com and any server that follows it exactly: Bearer auth, `{base}/chat/completions`.
public struct OpenAIAdapter: ChatCompletionsAdapter {
    /// `type: openai`.
    public static let kind = "openai"
    /// The provider's settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// `{base_url}/chat/completions`.
    public func chatCompletionsURL(model: String) -> String {
        settings.url(appending: "/chat/completions")
    }

    /// `Authorization: Bearer KEY`.
    public func authHeaders(apiKey: String) -> [HTTPHeader] {
        [HTTPHeader("authorization", "Bearer \(apiKey)")]
    }

    /// OpenAI's rules for reasoning models, and `prompt_cache_key`.
    public func requestOptions(model: String, maxTokens: Int) -> ChatCompletionsOptions {
        Self.options(model: model, upstreamModel: model, maxTokens: maxTokens)
    }

    /// OpenAI's rules, shared with Azure, which serves the same models under deployment names.
    static func options(model: String, upstreamModel: String, maxTokens: Int) -> ChatCompletionsOptions {
        let reasoning = isReasoningModel(model)
        var options = ChatCompletionsOptions(
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
