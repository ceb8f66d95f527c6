/// A service that speaks Anthropic's Messages API itself (Anthropic, and the Anthropic endpoints of
/// DeepSeek, Moonshot, Z.AI, MiniMax, Ollama, llama.cpp's server, vLLM): the client's body goes on as it
/// came, with only what the proxy must change changed, so thinking signatures, cache control and every
/// field the proxy does not model survive.
///
/// Changed: `model` (the route's), `max_tokens` (the proxy's limits), fields the provider's quirks name
/// (`drop_fields`, `adaptive_thinking: budget`); the `anthropic-beta` header is passed on unless
/// `anthropic_beta: drop`. Auth by `x-api-key`, or `Authorization: Bearer` with `auth: bearer`.
public struct AnthropicAdapter: ProviderAdapter {
    /// `type: anthropic`.
    public static let kind = "anthropic"
    /// The provider's settings.
    public let settings: ProviderSettings

    /// The version sent when the client sent none.
    static let defaultVersion = "2023-06-01"

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// The client's request, edited as little as the route and the provider need.
    public func prepareCall(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedCall {
        var headers = [HTTPHeader("content-type", "application/json")]
        if let key = try settings.apiKey(requiredByDefault: requiresAPIKey) {
            headers.append(settings.bearerAuth ? HTTPHeader("authorization", "Bearer \(key)") : HTTPHeader("x-api-key", key))
        }
        let version = request.anthropicHeaders.first { $0.name == "anthropic-version" }?.value ?? Self.defaultVersion
        headers.append(HTTPHeader("anthropic-version", version))
        if settings.quirks[Quirks.anthropicBeta], let beta = request.anthropicHeaders.first(where: { $0.name == "anthropic-beta" }) {
            headers.append(beta)
        }
        let answer = AnthropicNativeAnswer(provider: settings.name, clientModel: request.model, context: context)
        return PreparedCall(
            request: UpstreamRequest(url: messagesURL, headers: headers, body: try body(for: request, context: context)),
            answer: answer
        )
    }

    /// `{base_url}/v1/messages`; a base URL that already ends in `/v1` gets `/messages`.
    var messagesURL: String {
        let base = settings.url(appending: "")
        return base.hasSuffix("/v1") ? base + "/messages" : base + "/v1/messages"
    }

    private func body(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> [UInt8] {
        guard let editor = JSONObjectEditor(request.body) else {
            throw AnthropicError(.api, "provider '\(settings.name)' passes the client's body on, and this request has none")
        }
        var replacing: [String: JSONValue] = ["model": .string(context.upstreamModel)]
        if request.maxTokens != context.maxTokens { replacing["max_tokens"] = .integer(Int64(context.maxTokens)) }
        if settings.quirks[Quirks.budgetAdaptiveThinking], request.thinking == .adaptive {
            // The largest budget below the output limit that Anthropic's own API accepts (at least 1024).
            replacing["thinking"] = ["type": "enabled", "budget_tokens": .integer(Int64(max(min(context.maxTokens - 1, 16_000), 1024)))]
        }
        return editor.edited(replacing: replacing, removing: Set(settings.quirks[Quirks.dropFields]))
    }
}
