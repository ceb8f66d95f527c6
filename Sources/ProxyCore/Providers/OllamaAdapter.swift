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
}
