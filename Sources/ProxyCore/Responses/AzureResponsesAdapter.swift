/// Azure OpenAI's Responses API: the v1 URL (`{resource}/openai/v1/responses`), or with an `api_version`
/// the preview one (`{resource}/openai/responses?api-version=…`); the `api-key` header, or a Bearer token
/// from Microsoft Entra ID with `auth: bearer`. The body's `model` names the deployment (`deployments`
/// maps an upstream model to it).
public struct AzureResponsesAdapter: ResponsesAdapter {
    /// `type: azure-responses`.
    public static let kind = "azure-responses"
    /// The provider's settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// The v1 URL, or the preview URL with `api-version`.
    public func responsesURL(model: String) -> String {
        var base = settings.url(appending: "")
        for suffix in ["/openai/v1", "/openai"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        guard let version = settings.apiVersion, !version.isEmpty else { return base + "/openai/v1/responses" }
        return base + "/openai/responses?api-version=" + version
    }

    /// `api-key: KEY`, or `Authorization: Bearer KEY` with `auth: bearer`.
    public func authHeaders(apiKey: String) -> [HTTPHeader] {
        settings.bearerAuth ? [HTTPHeader("authorization", "Bearer \(apiKey)")] : [HTTPHeader("api-key", apiKey)]
    }

    /// OpenAI's rules, by the model the deployment serves; the body names the deployment.
    public func responsesOptions(model: String, maxTokens: Int) -> ResponsesOptions {
        ResponsesOptions(
            upstreamModel: settings.deployments[model] ?? model, maxTokens: maxTokens,
            isReasoningModel: OpenAIAdapter.isReasoningModel(model))
    }
}
