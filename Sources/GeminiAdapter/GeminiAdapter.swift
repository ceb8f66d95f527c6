import ProxyCore

/// Google's Gemini API (`type: gemini`): `POST {base_url}/v1beta/models/{model}:generateContent`, and
/// `:streamGenerateContent?alt=sse` for streams, the key in `x-goog-api-key` (or `Authorization: Bearer`
/// with `auth: bearer`, for gateways in front of it).
public struct GeminiAdapter: GeminiAPIAdapter {
    /// `type: gemini`.
    public static let kind = "gemini"
    /// None: everything Gemini needs is a common key (`base_url`, `api_key`, `auth`, `headers`).
    public static let options: [AdapterOption]? = []
    /// The provider's settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// `{base_url}/v1beta/models/{model}:{method}`; a base URL that already ends in an API version
    /// (`/v1beta`, `/v1`) keeps it.
    public func methodURL(model: String, method: String) -> String {
        let base = settings.url(appending: "")
        let versioned = base.hasSuffix("/v1beta") || base.hasSuffix("/v1") ? base : base + "/v1beta"
        return versioned + "/models/\(model):\(method)"
    }

    /// `x-goog-api-key: KEY`, or `Authorization: Bearer KEY` with `auth: bearer`.
    public func authHeaders(apiKey: String) -> [HTTPHeader] {
        settings.bearerAuth ? [HTTPHeader("authorization", "Bearer \(apiKey)")] : [HTTPHeader("x-goog-api-key", apiKey)]
    }

    /// `{"generateContentRequest": {"model": "models/M", …}}`.
    public func countTokensBody(generateContent body: JSONValue, model: String) -> JSONValue {
        let fields = (body.objectValue ?? []).filter { $0.key != "generationConfig" }
        return ["generateContentRequest": .object([(key: "model", value: .string("models/\(model)"))] + fields)]
    }
}
