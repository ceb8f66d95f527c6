import BuiltInAdapters
import Testing

@testable import ProxyCore

@Suite("Provider adapters: URLs, headers, options")
struct ProviderAdapterTests {
    private func settings(
        type: String, baseURL: String, apiKey: String? = "sk-test", apiKeySource: String? = nil, apiVersion: String? = nil,
        headers: [HTTPHeader] = [], deployments: [String: String] = [:]
    ) -> ProviderSettings {
        ProviderSettings(
            name: "p", type: type, baseURL: baseURL, apiKey: apiKey, apiKeySource: apiKeySource, apiVersion: apiVersion,
            headers: headers, deployments: deployments
        )
    }

    @Test(
        "OpenAI URL is the base plus /chat/completions, trailing slashes ignored",
        arguments: [
            ("https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions"),
            ("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"),
            ("https://openrouter.ai/api/v1//", "https://openrouter.ai/api/v1/chat/completions"),
        ]
    )
    func openAIURL(base: String, expected: String) {
        #expect(OpenAIAdapter(settings: settings(type: "openai", baseURL: base)).chatCompletionsURL(model: "gpt-4o") == expected)
    }

    @Test("OpenAI authenticates with a Bearer token")
    func openAIHeaders() throws {
        let headers = try OpenAIAdapter(settings: settings(type: "openai", baseURL: "https://api.openai.com/v1")).upstreamHeaders()
        #expect(headers.contains(HTTPHeader("authorization", "Bearer sk-test")))
        #expect(headers.contains(HTTPHeader("content-type", "application/json")))
    }

    @Test(
        "Azure URL forms: seed deployment base + api-version, resource + deployment map, v1",
        arguments: [
            (
                "https://res.openai.azure.com/openai/deployments/gpt4o-prod", "2024-10-21" as String?, [:] as [String: String],
                "https://res.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"
            ),
            (
                "https://res.openai.azure.com/", "2024-10-21", ["gpt-4o": "prod-4o"],
                "https://res.openai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21"
            ),
            (
                "https://res.openai.azure.com", "2024-10-21", [:],
                "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
            ),
            ("https://res.openai.azure.com", nil, [:], "https://res.openai.azure.com/openai/v1/chat/completions"),
            ("https://res.openai.azure.com/openai/v1/", nil, [:], "https://res.openai.azure.com/openai/v1/chat/completions"),
        ]
    )
    func azureURL(base: String, version: String?, deployments: [String: String], expected: String) {
        let adapter = AzureAdapter(settings: settings(type: "azure", baseURL: base, apiVersion: version, deployments: deployments))
        #expect(adapter.chatCompletionsURL(model: "gpt-4o") == expected)
    }

    @Test("Azure authenticates with an api-key header, not Bearer")
    func azureHeaders() throws {
        let headers = try AzureAdapter(settings: settings(type: "azure", baseURL: "https://res.openai.azure.com")).upstreamHeaders()
        #expect(headers.contains(HTTPHeader("api-key", "sk-test")))
        #expect(!headers.contains { $0.name.lowercased() == "authorization" })
    }

    @Test("Azure reasoning deployments get max_completion_tokens; the model name maps to the deployment")
    func azureOptions() {
        let adapter = AzureAdapter(
            settings: settings(type: "azure", baseURL: "https://r.openai.azure.com", apiVersion: "v", deployments: ["gpt-5": "prod-5"]))
        let options = adapter.requestOptions(model: "gpt-5", maxTokens: 1000)
        #expect(options.maxTokensField == "max_completion_tokens" && options.omitSamplingParameters)
        #expect(options.upstreamModel == "prod-5")
    }

    @Test(
        "Ollama URL gains /v1 only when missing",
        arguments: [
            ("http://localhost:11434", "http://localhost:11434/v1/chat/completions"),
            ("http://localhost:11434/", "http://localhost:11434/v1/chat/completions"),
            ("http://localhost:11434/v1", "http://localhost:11434/v1/chat/completions"),
            ("http://localhost:11434/v1/", "http://localhost:11434/v1/chat/completions"),
        ]
    )
    func ollamaURL(base: String, expected: String) {
        #expect(OllamaAdapter(settings: settings(type: "ollama", baseURL: base)).chatCompletionsURL(model: "qwen3") == expected)
    }

    @Test("Ollama needs no key: its call is prepared without one and sends no authorization")
    func ollamaWithoutKey() throws {
        let headers = try OllamaAdapter(settings: settings(type: "ollama", baseURL: "http://localhost:11434", apiKey: nil))
            .upstreamHeaders()
        #expect(!headers.contains { $0.name.lowercased() == "authorization" })
    }

    @Test(
        "a missing key fails with an authentication error naming the variable",
        arguments: [nil, ""] as [String?]
    )
    func missingKey(key: String?) {
        let provider = settings(type: "openai", baseURL: "https://api.openai.com/v1", apiKey: key, apiKeySource: "OPENAI_API_KEY")
        do {
            _ = try provider.apiKey(requiredByDefault: OpenAIAdapter.requiresAPIKey)
            Issue.record("a key was given without one configured")
        } catch {
            #expect(error.type == .authentication)
            #expect(error.message.contains("OPENAI_API_KEY"))
            #expect(error.responseHeaders.contains { $0.name == "x-should-retry" && $0.value == "false" })
        }
    }

    @Test("the registry builds the adapter named by type", arguments: [("openai", "openai"), ("azure", "azure"), ("ollama", "ollama")])
    func registry(type: String, kind: String) {
        let adapter = AdapterRegistry.builtIn.adapter(for: settings(type: type, baseURL: "http://x"))
        #expect(adapter.map { Swift.type(of: $0).kind } == kind)
    }

    @Test("an unknown provider type has no adapter")
    func registryUnknown() {
        #expect(AdapterRegistry.builtIn.adapter(for: settings(type: "carrier-pigeon", baseURL: "http://x")) == nil)
    }
}
