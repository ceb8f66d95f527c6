/// Azure OpenAI: deployment URLs with `api-version`, or the v1 form, and the `api-key` header (or a
/// Bearer token from Microsoft Entra ID with `auth: bearer`).
///
/// With the seed's setup, `OPENAI_BASE_URL` already ends in `/openai/deployments/NAME` and
/// `AZURE_API_VERSION` is set: the URL is that base plus `/chat/completions?api-version=…`. With a
/// resource URL (`https://NAME.openai.azure.com`) and an `api_version`, the upstream model (or its entry in
/// `deployments`) names the deployment; without an `api_version`, the v1 API is used.
public struct AzureAdapter: ChatCompletionsAdapter {
    /// `type: azure`.
    public static let kind = "azure"
    /// The provider's settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// The deployment URL with `api-version`, or the v1 URL.
    public func chatCompletionsURL(model: String) -> String {
        let base = settings.url(appending: "")
        guard let version = settings.apiVersion, !version.isEmpty else {
            let root = base.hasSuffix("/openai/v1") ? base : base + "/openai/v1"
            return root + "/chat/completions"
        }
        let query = "?api-version=" + version
        if base.contains("/openai/deployments/") { return base + "/chat/completions" + query }
        let deployment = settings.deployments[model] ?? model
        return base + "/openai/deployments/" + deployment + "/chat/completions" + query
    }

    /// `api-key: KEY`, or `Authorization: Bearer KEY` with `auth: bearer`.
    public func authHeaders(apiKey: String) -> [HTTPHeader] {
        settings.bearerAuth ? [HTTPHeader("authorization", "Bearer \(apiKey)")] : [HTTPHeader("api-key", apiKey)]
    }

    /// OpenAI's rules, by the model the deployment serves; the body names the deployment.
    public func requestOptions(model: String, maxTokens: Int) -> ChatCompletionsOptions {
        OpenAIAdapter.options(model: model, upstreamModel: settings.deployments[model] ?? model, maxTokens: maxTokens)
    }
}
