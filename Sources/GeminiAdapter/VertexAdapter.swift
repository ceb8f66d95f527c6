import ProxyCore

/// Gemini on Google Cloud's Vertex AI (`type: vertex`):
/// `{base_url}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}`, with
/// `Authorization: Bearer` — an OAuth access token, from `api_key` or, better, a `token_command` such as
/// `gcloud auth print-access-token`. The same API as Gemini's, so the same translation.
public struct VertexAdapter: GeminiAPIAdapter {
    /// `type: vertex`.
    public static let kind = "vertex"
    /// `options.project`: the Google Cloud project.
    static let project = AdapterOption.string("project", required: true)
    /// `options.location`: the region (`us-central1`, `europe-west4`…) or `global`, the default.
    static let location = AdapterOption.string("location", default: "global")
    /// The project and the location.
    public static let options: [AdapterOption]? = [project, location]
    /// The host of the global location, which a regional location replaces by its own.
    static let globalHost = "https://aiplatform.googleapis.com"

    /// The provider's settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// The model's method under the project and location; the profile's global host becomes
    /// `https://{location}-aiplatform.googleapis.com` for a regional location.
    public func methodURL(model: String, method: String) -> String {
        let location = settings.option(Self.location)?.stringValue ?? "global"
        var base = settings.url(appending: "")
        if base == Self.globalHost, location != "global" { base = "https://\(location)-aiplatform.googleapis.com" }
        let project = settings.option(Self.project)?.stringValue ?? ""
        return base + "/v1/projects/\(project)/locations/\(location)/publishers/google/models/\(model):\(method)"
    }

    /// `Authorization: Bearer TOKEN`.
    public func authHeaders(apiKey: String) -> [HTTPHeader] {
        [HTTPHeader("authorization", "Bearer \(apiKey)")]
    }

    /// The contents, system instruction and tools, as Vertex AI's `countTokens` takes them.
    public func countTokensBody(generateContent body: JSONValue, model: String) -> JSONValue {
        .object((body.objectValue ?? []).filter { ["contents", "systemInstruction", "tools"].contains($0.key) })
    }
}
