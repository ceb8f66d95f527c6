import ProxyCore

/// An adapter for a service that speaks Google's Gemini API (`generateContent`, `streamGenerateContent`,
/// `countTokens`): it says where a model's methods are and how requests authenticate; the translation both
/// ways is shared. `GeminiAdapter` (Google AI Studio's Gemini API) and `VertexAdapter` (Vertex AI) are two.
public protocol GeminiAPIAdapter: ProviderAdapter {
    /// The provider's configured settings (base URL, options).
    var settings: ProviderSettings { get }

    /// The URL of one of a model's methods (`generateContent`, `streamGenerateContent`, `countTokens`);
    /// streams get `?alt=sse` added by the caller.
    func methodURL(model: String, method: String) -> String

    /// The authentication headers for a configured key.
    func authHeaders(apiKey: String) -> [HTTPHeader]

    /// The `countTokens` body for a `generateContent` body: the Gemini API takes it wrapped as
    /// `generateContentRequest`, Vertex AI takes the contents, system instruction and tools as they are.
    func countTokensBody(generateContent body: JSONValue, model: String) -> JSONValue
}

extension GeminiAPIAdapter {
    /// The shared Gemini call: the whole conversation as `contents`, thought signatures sent back where
    /// they came from.
    public func prepareCall(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedCall {
        let (headers, signatures) = headersAndSignatures(context: context)
        let body = GeminiRequest.body(for: request, context: context, signatures: signatures)
        let answer = GeminiAnswer(clientModel: request.model, signatures: signatures, context: context)
        var url = methodURL(
            model: GeminiModelName.bare(context.upstreamModel), method: request.stream ? "streamGenerateContent" : "generateContent")
        if request.stream { url += "?alt=sse" }
        return PreparedCall(request: UpstreamRequest(url: url, headers: headers, body: body.serialized()), answer: answer)
    }

    /// The service's own count (`countTokens`), answered as `{"totalTokens": N}`.
    public func prepareTokenCount(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedTokenCount? {
        let (headers, signatures) = headersAndSignatures(context: context)
        let model = GeminiModelName.bare(context.upstreamModel)
        let generation = GeminiRequest.body(for: request, context: context, signatures: signatures)
        let body = countTokensBody(generateContent: generation, model: model)
        return PreparedTokenCount(
            request: UpstreamRequest(url: methodURL(model: model, method: "countTokens"), headers: headers, body: body.serialized()),
            inputTokens: { body in
                guard let count = (try? JSONParser.parse(body))?["totalTokens"]?.intValue, count >= 0 else { return nil }
                return count
            })
    }

    private func headersAndSignatures(context: CallContext) -> ([HTTPHeader], GeminiSignatures) {
        var headers = [HTTPHeader("content-type", "application/json")]
        if let key = context.apiKey { headers += authHeaders(apiKey: key) }
        let signatures = GeminiSignatures(
            owner: settings.signatureOwner(apiKey: context.apiKey), model: GeminiModelName.bare(context.upstreamModel))
        return (headers, signatures)
    }
}

/// Gemini model names as the URL path takes them.
enum GeminiModelName {
    /// The name without the `models/` prefix the API's own listings give it.
    static func bare(_ model: String) -> String {
        model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
    }

    /// Whether the model sets its thinking by level (`thinkingLevel`: Gemini 3 and later) rather than by
    /// a token budget (Gemini 2.5, and models of other names).
    static func thinksByLevel(_ model: String) -> Bool {
        let name = bare(model).lowercased()
        guard name.hasPrefix("gemini-"), let major = name.dropFirst("gemini-".count).first?.wholeNumberValue else { return false }
        return major >= 3
    }
}
