/// Azure OpenAI: deployment URLs with `api-version`, or the v1 form, and the `api-key` header (or a
/// Bearer token from Microsoft Entra ID with `auth: bearer`).
///
/// With the seed's setup, `OPENAI_BASE_URL` already ends in `/openai/deployments/NAME` and
/// `AZURE_API_VERSION` is set: the URL is that base plus `/chat/completions?api-version=…`. With a
/// resource URL (`https://NAME.openai.azure.com`) and an `api_version`, the upstream model (or its entry in
/// `deployments`) names the deployment; without an `api_version`, the v1 API is used.
package struct AzureAdapter: ProviderAdapter {
    package static let kind = "azure"
    package let settings: ProviderSettings

    package init(settings: ProviderSettings) {
        self.settings = settings
    }

    package func chatCompletionsURL(model: String) -> String {
        let base = trimmedBaseURL
        guard let version = settings.apiVersion, !version.isEmpty else {
            let root = base.hasSuffix("/openai/v1") ? base : base + "/openai/v1"
            return root + "/chat/completions"
        }
        let query = "?api-version=" + version
        if base.contains("/openai/deployments/") { return base + "/chat/completions" + query }
        let deployment = settings.deployments[model] ?? model
        return base + "/openai/deployments/" + deployment + "/chat/completions" + query
    }

    package func authHeaders(apiKey: String) -> [HTTPHeader] {
        settings.bearerAuth ? [HTTPHeader("authorization", "Bearer \(apiKey)")] : [HTTPHeader("api-key", apiKey)]
    }

    package func requestOptions(model: String, maxTokens: Int) -> RequestTranslator.Options {
        OpenAIAdapter.options(model: model, upstreamModel: settings.deployments[model] ?? model, maxTokens: maxTokens)
    }
}
