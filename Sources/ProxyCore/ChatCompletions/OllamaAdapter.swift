/// A local Ollama through its OpenAI-compatible `/v1` endpoint; no key needed.
public struct OllamaAdapter: ChatCompletionsAdapter {
    /// `type: ollama`.
    public static let kind = "ollama"
    /// The provider's settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// A local server takes requests without a key.
    public static var requiresAPIKey: Bool { false }

    /// `{base_url}/v1/chat/completions` (a base URL that already ends in `/v1` is used as is).
    public func chatCompletionsURL(model: String) -> String {
        settings.url(underV1: "/chat/completions")
    }

    /// `Authorization: Bearer KEY`, when a key is configured (a proxy in front of Ollama).
    public func authHeaders(apiKey: String) -> [HTTPHeader] {
        [HTTPHeader("authorization", "Bearer \(apiKey)")]
    }

    /// Local chat templates often demand strict user/assistant alternation; Ollama reported `prompt_tokens: 0`
    /// (or only the uncached part) when its prefix cache hit.
    public func requestOptions(model: String, maxTokens: Int) -> ChatCompletionsOptions {
        var options = ChatCompletionsOptions(upstreamModel: model, maxTokens: maxTokens)
        options.mergeConsecutiveUsers = true
        options.trustsPromptCount = false
        return options
    }
}
