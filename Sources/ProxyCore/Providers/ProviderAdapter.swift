/// What differs between OpenAI-compatible services, around the one shared translator: where requests go,
/// how they authenticate, and which body fields a model accepts.
///
/// An adapter is a small value built from its provider's settings. To add one: write a type conforming to
/// this protocol and add it to `ProviderRegistry.builtIn`.
package protocol ProviderAdapter: Sendable {
    /// The `type:` that selects this adapter in config.yaml.
    static var kind: String { get }
    init(settings: ProviderSettings)
    var settings: ProviderSettings { get }
    /// The chat-completions URL for an upstream model.
    func chatCompletionsURL(model: String) -> String
    /// Authentication headers for a configured key.
    func authHeaders(apiKey: String) -> [HTTPHeader]
    /// Whether the service refuses requests without a key (local servers do not).
    var requiresAPIKey: Bool { get }
    /// Body quirks for one model.
    func requestOptions(model: String, maxTokens: Int) -> RequestTranslator.Options
    /// Usage-field quirks: the upstream's usage corrected, given the proxy's own estimate of the prompt.
    func usage(_ reported: TokenUsage, estimatedInputTokens: Int) -> TokenUsage
}

extension ProviderAdapter {
    package var requiresAPIKey: Bool { true }

    package func requestOptions(model: String, maxTokens: Int) -> RequestTranslator.Options {
        RequestTranslator.Options(upstreamModel: model, maxTokens: maxTokens)
    }

    package func usage(_ reported: TokenUsage, estimatedInputTokens: Int) -> TokenUsage {
        reported
    }

    /// Every header of an upstream request. A missing key fails here, when a request is routed to the
    /// provider, not at start-up: a proxy with several providers still serves the others.
    package func headers() throws(AnthropicError) -> [HTTPHeader] {
        var headers = [HTTPHeader("content-type", "application/json")]
        if let key = settings.apiKey, !key.isEmpty {
            headers += authHeaders(apiKey: key)
        } else if settings.apiKeyRequired ?? requiresAPIKey {
            let source = settings.apiKeySource.map { "set \($0)" } ?? "set api_key in its config section"
            throw AnthropicError(
                .authentication, "provider '\(settings.name)' has no API key configured: \(source)",
                headers: [("x-should-retry", "false")]
            )
        }
        return headers + settings.headers
    }

    /// The options for one request: the adapter's own, then the provider's configured quirks.
    package func options(model: String, maxTokens: Int) -> RequestTranslator.Options {
        settings.quirks.applied(to: requestOptions(model: model, maxTokens: maxTokens))
    }

    /// The base URL without a trailing slash.
    package var trimmedBaseURL: String {
        var url = settings.baseURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// The adapters the config can name by `type:`.
package enum ProviderRegistry {
    package static let builtIn: [String: any ProviderAdapter.Type] = [
        OpenAIAdapter.kind: OpenAIAdapter.self,
        AzureAdapter.kind: AzureAdapter.self,
        OllamaAdapter.kind: OllamaAdapter.self,
    ]

    package static func adapter(for settings: ProviderSettings, registry: [String: any ProviderAdapter.Type] = builtIn) -> (any ProviderAdapter)? {
        registry[settings.type].map { $0.init(settings: settings) }
    }
}
