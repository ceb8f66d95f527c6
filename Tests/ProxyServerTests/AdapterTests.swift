import BuiltInAdapters
import HTTPTypes
import ProxyConfig
import ProxyCore
import Testing

/// An adapter defined outside the built-ins: how a user adds a provider that needs code.
struct ExampleAdapter: ChatCompletionsAdapter {
    static let kind = "example"
    let settings: ProviderSettings

    init(settings: ProviderSettings) {
        self.settings = settings
    }

    func chatCompletionsURL(model: String) -> String {
        settings.url(appending: "/api/\(model)/chat")
    }

    func authHeaders(apiKey: String) -> [HTTPHeader] {
        [HTTPHeader("x-example-key", apiKey)]
    }
}

@Suite("Provider adapters against the mock upstream", .timeLimit(.minutes(1)))
struct AdapterTests {
    static let request: JSONValue = ["model": "claude-haiku-4-5", "max_tokens": 300, "messages": [["role": "user", "content": "hi"]]]

    @Test("an adapter registered next to the built-ins is selected by `type:` and shapes URL and headers")
    func registeredAdapter() async throws {
        let registry = AdapterRegistry.builtIn.registering(ExampleAdapter.self)
        try await ProxyHarness.run(
            upstreamCount: 1, registry: registry,
            settings: { urls in
                let text = """
                    providers:
                      mine: { type: example, base_url: "\(urls[0])", api_key: example-secret }
                    models:
                      - { match: "*", provider: mine, model: tiny }
                    """
                return try ConfigFile.load(text: text, file: "c.yaml", environment: [:], registry: registry)
            }
        ) { harness in
            let (status, _) = try await harness.sendJSON("/v1/messages", json: Self.request)
            #expect(status == 200)
            let received = try #require(harness.upstream.received.first)
            #expect(received.path == "/api/tiny/chat")
            #expect(received.headers[HTTPField.Name("x-example-key")!] == "example-secret")
            #expect(received.headers[.authorization] == nil)
        }
    }

    @Test("azure: deployment URL with api-version and the api-key header, or Bearer with `auth: bearer`", arguments: [false, true])
    func azure(bearer: Bool) async throws {
        try await ProxyHarness.run(
            upstreamCount: 1,
            settings: { urls in
                let text = """
                    providers:
                      az:
                        type: azure
                        base_url: "\(urls[0])"
                        api_key: azure-secret
                        api_version: "2024-10-21"
                        deployments: { gpt-4o: my-deployment }
                        \(bearer ? "auth: bearer" : "")
                    models:
                      - { match: "*", provider: az, model: gpt-4o }
                    """
                return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
            }
        ) { harness in
            let (status, _) = try await harness.sendJSON("/v1/messages", json: Self.request)
            #expect(status == 200)
            let received = try #require(harness.upstream.received.first)
            #expect(received.path == "/openai/deployments/my-deployment/chat/completions")
            #expect(received.query == "api-version=2024-10-21")
            #expect(received.body["model"] == "my-deployment")
            if bearer {
                #expect(received.headers[.authorization] == "Bearer azure-secret")
                #expect(received.headers[HTTPField.Name("api-key")!] == nil)
            } else {
                #expect(received.headers[HTTPField.Name("api-key")!] == "azure-secret")
                #expect(received.headers[.authorization] == nil)
            }
        }
    }

    @Test("ollama: a prompt count far below the estimate (prefix-cache hit) is replaced by the estimate")
    func ollamaUsage() async throws {
        try await ProxyHarness.run(
            upstreamCount: 1,
            settings: { urls in
                let text =
                    "providers:\n  local: { type: ollama, base_url: \"\(urls[0])\" }\nmodels:\n  - { match: \"*\", provider: local, model: qwen }\n"
                return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
            }
        ) { harness in
            let longPrompt: JSONValue = [
                "model": "claude-haiku-4-5", "max_tokens": 300,
                "messages": [["role": "user", "content": .string(String(repeating: "context ", count: 2000))]],
            ]
            harness.upstream.script(
                .json(body: MockUpstream.completion(text: "ok", usage: ["prompt_tokens": 0, "completion_tokens": 1])),
                .json(body: MockUpstream.completion(text: "ok", usage: ["prompt_tokens": 4100, "completion_tokens": 1]))
            )
            let (_, cacheHit) = try await harness.sendJSON("/v1/messages", json: longPrompt)
            let (_, normal) = try await harness.sendJSON("/v1/messages", json: longPrompt)
            #expect((cacheHit["usage"]?["input_tokens"]?.intValue ?? 0) > 3000)
            #expect(normal["usage"]?["input_tokens"] == 4100)
            #expect(harness.upstream.received.first?.path == "/v1/chat/completions")
            #expect(harness.upstream.received.first?.headers[.authorization] == nil)
        }
    }
}

@Suite("Provider settings every adapter gets", .timeLimit(.minutes(1)))
struct ProviderHeaderTests {
    @Test("a provider's configured headers reach the upstream, after the adapter's own")
    func configuredHeaders() async throws {
        try await ProxyHarness.run(
            upstreamCount: 1,
            settings: { urls in
                let text = """
                    providers:
                      p:
                        type: openai
                        base_url: "\(urls[0])/v1"
                        api_key: sk-configured
                        headers: { X-Title: claude-code-proxy, HTTP-Referer: "https://example.invalid" }
                    models:
                      - { match: "*", provider: p, model: gpt-4o }
                    """
                return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
            }
        ) { harness in
            let (status, _) = try await harness.sendJSON("/v1/messages", json: AdapterTests.request)
            #expect(status == 200)
            let received = try #require(harness.upstream.received.first)
            #expect(received.headers[HTTPField.Name("x-title")!] == "claude-code-proxy")
            #expect(received.headers[HTTPField.Name("http-referer")!] == "https://example.invalid")
            #expect(received.headers[.authorization] == "Bearer sk-configured")
            let names = received.headers.map { $0.name.canonicalName }
            let auth = try #require(names.firstIndex(of: "authorization"))
            let title = try #require(names.firstIndex(of: "x-title"))
            #expect(auth < title)
        }
    }
}
