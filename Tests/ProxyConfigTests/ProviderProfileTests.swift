import BuiltInAdapters
import Foundation
import ProxyCore
import Testing

@testable import ProxyConfig

@Suite("Provider profiles in providers/")
struct ProviderProfileTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let library = ProfileLibrary(directories: [repository.appendingPathComponent("providers").path])
    static let profileNames =
        (try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("providers").path))?
        .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted() ?? []

    @Test("the profiles the README promises exist")
    func promisedProfiles() {
        #expect(Set(["deepseek", "openrouter", "groq", "vllm", "lmstudio", "gemini", "mistral"]).isSubset(of: Set(Self.profileNames)))
    }

    @Test("every profile loads as a provider", arguments: profileNames)
    func profileLoads(name: String) throws {
        let text = "providers:\n  p: { profile: \(name), api_key: test-key }\nmodels: [{ match: \"*\", provider: p }]\n"
        // The variables a profile needs besides its key (the vertex profile's project).
        let environment = ["GOOGLE_CLOUD_PROJECT": "test-project"]
        let settings = try ConfigFile.load(text: text, file: "c.yaml", environment: environment, profiles: Self.library)
        let provider = try #require(settings.providers.first)
        #expect(AdapterRegistry.builtIn.kinds.contains(provider.type))
        #expect(provider.baseURL.hasPrefix("http"))
        #expect(provider.apiKey == "test-key", "fields in config.yaml override the profile")
    }

    @Test("a provider with `profile: deepseek` loads; the profile's quirks apply and config fields override it")
    func deepseekExample() throws {
        let text = """
            providers:
              deepseek:
                profile: deepseek                # a file in providers/; any field may be overridden here
                api_key: ${DEEPSEEK_API_KEY}
                base_url: http://127.0.0.1:9/v1
            models:
              - match: "*"
                provider: deepseek
                model: deepseek-chat
                fallbacks:
                  - { provider: deepseek, model: deepseek-reasoner }
            """
        let settings = try ConfigFile.load(text: text, file: "c.yaml", environment: ["DEEPSEEK_API_KEY": "sk-ds"], profiles: Self.library)
        let provider = try #require(settings.provider(named: "deepseek"))
        #expect(provider.baseURL == "http://127.0.0.1:9/v1")
        #expect(provider.apiKey == "sk-ds")
        #expect(provider.quirks[Quirks.reasoningPassback] == "reasoning_content")
        #expect(provider.quirks[Quirks.models]["deepseek-chat"]?.maxOutputTokens == 8192)
        #expect(
            settings.targets(for: RequestTraits(model: "claude-opus-4")).map(\.upstreamModel) == ["deepseek-chat", "deepseek-reasoner"])
    }

    @Test(
        "profile mistakes name the file, line and key",
        arguments: [
            ("providers:\n  p: { profile: nosuch }\nmodels: []\n", "c.yaml:2:17: no provider profile 'nosuch'"),
            (
                "providers:\n  p: { type: openai, base_url: \"http://a\", schema_dialect: json }\nmodels: []\n",
                "c.yaml:2:60: expected one of: openai, gemini; found 'json' (at providers.p.schema_dialect)"
            ),
            (
                "providers:\n  p: { type: openai, base_url: \"http://a\", reasoning_passback: thoughts }\nmodels: []\n",
                "c.yaml:2:64: expected one of: reasoning_content, reasoning, none; found 'thoughts' (at providers.p.reasoning_passback)"
            ),
            (
                "providers:\n  p: { base_url: \"http://a\", api_key: k }\nmodels: []\n",
                "c.yaml:2:3: missing required key 'type' (or a 'profile' that sets it) (at providers.p)"
            ),
            (
                "providers:\n  p: { type: openai, base_url: \"http://a\", think_tags: maybe }\nmodels: []\n",
                "c.yaml:2:56: expected one of: true, false; found 'maybe' (at providers.p.think_tags)"
            ),
            (
                "providers:\n  p: { type: openai, base_url: \"http://a\", think_tag: true }\nmodels: []\n",
                "c.yaml:2:44: unknown key 'think_tag'; did you mean 'think_tags'? (at providers.p.think_tag)"
            ),
            (
                "providers:\n  p: { type: openai, base_url: \"http://a\", extra_body: [1] }\nmodels: []\n",
                "c.yaml:2:56: expected one of: a mapping; found an array (at providers.p.extra_body)"
            ),
        ])
    func profileErrors(text: String, expectedPrefix: String) {
        do {
            _ = try ConfigFile.load(text: text, file: "c.yaml", environment: [:], profiles: Self.library)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix(expectedPrefix), "\(error.description)")
        }
    }

    @Test("a section's models merge with its profile's key by key; its other quirks replace the profile's")
    func quirkMerge() throws {
        let text = """
            providers:
              deepseek:
                profile: deepseek
                base_url: http://127.0.0.1:9/v1
                reasoning_passback: none
                models: { deepseek-chat: { max_output_tokens: 4096 }, deepseek-v4: { max_output_tokens: 32768 } }
            models: []
            """
        let settings = try ConfigFile.load(text: text, file: "c.yaml", environment: [:], profiles: Self.library)
        let quirks = try #require(settings.provider(named: "deepseek")?.quirks)
        let caps = quirks[Quirks.models].mapValues(\.maxOutputTokens)
        #expect(caps["deepseek-chat"] == 4096 && caps["deepseek-reasoner"] == 65536 && caps["deepseek-v4"] == 32768)
        #expect(quirks[Quirks.models]["deepseek-v4-pro"]?.prices.input != nil, "the profile's other models stay")
        #expect(quirks[Quirks.reasoningPassback] == nil)
        #expect(quirks[Quirks.reasoningEffort] == false, "from the profile")
    }

    @Test("options: a mapping for the adapter alone, as JSON; a non-mapping is an error at its line")
    func adapterOptions() throws {
        let text = """
            providers:
              p:
                type: openai
                base_url: http://a
                options: { region: eu-west, thinking: true, limits: { rpm: 60 } }
            models: []
            """
        let provider = try #require(try ConfigFile.load(text: text, file: "c.yaml", environment: [:]).providers.first)
        #expect(provider.options == ["region": "eu-west", "thinking": true, "limits": ["rpm": 60]])
        #expect(
            try ConfigFile.load(
                text: "providers:\n  p: { type: openai, base_url: \"http://a\" }\nmodels: []\n", file: "c.yaml", environment: [:]
            )
            .providers.first?.options == [:])
        do {
            _ = try ConfigFile.load(
                text: "providers:\n  p: { type: openai, base_url: \"http://a\", options: [1] }\nmodels: []\n", file: "c.yaml",
                environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "c.yaml:2:53: options must be a mapping (at providers.p.options)")
        }
    }

    @Test("quirk keys and extra_body decode into the provider's quirks")
    func quirkKeys() throws {
        let text = """
            providers:
              p:
                type: ollama
                base_url: http://localhost:11434
                max_tokens_field: max_completion_tokens
                stream_usage: false
                parallel_tool_calls: false
                reasoning_effort: always
                extra_body: { keep_alive: 30m, options: { num_ctx: 65536 }, think: false }
                mid_system: merge_top
                merge_consecutive_users: false
                tool_id_format: mistral9
                think_tags: true
                send_user: false
                tool_args: buffer
                user_after_tool: bridge
            models: []
            """
        let quirks = try #require(try ConfigFile.load(text: text, file: "c.yaml", environment: [:]).providers.first?.quirks)
        #expect(quirks[Quirks.midSystem] == .mergeTop)
        #expect(quirks[Quirks.mergeConsecutiveUsers] == false)
        #expect(quirks[Quirks.toolIDFormat] == .mistral9)
        #expect(quirks[Quirks.thinkTags])
        #expect(!quirks[Quirks.sendUser])
        #expect(quirks[Quirks.bufferToolArguments])
        #expect(quirks[Quirks.bridgeUserAfterTool])
        #expect(quirks[Quirks.maxTokensField] == "max_completion_tokens")
        #expect(!quirks[Quirks.streamUsage])
        #expect(!quirks[Quirks.parallelToolCalls])
        #expect(quirks[Quirks.reasoningEffort] == true)
        #expect(JSONValue.object(quirks[Quirks.extraBody]) == ["keep_alive": "30m", "options": ["num_ctx": 65536], "think": false])
    }

    @Test("a config with every profile feature loads exactly as written")
    func everyProfileFeature() throws {
        let text = """
            server:
              host: 127.0.0.1
              port: 8082
              api_keys: ["${PROXY_API_KEY}"]     # optional: clients must then send one of these
              log_level: info
            providers:
              openai:
                type: openai
                base_url: https://api.openai.com/v1
                api_key: ${OPENAI_API_KEY}
              azure:
                type: azure
                base_url: https://my-resource.openai.azure.com
                api_key: ${AZURE_OPENAI_API_KEY}
                api_version: "2024-10-21"
                deployments: { gpt-4o: my-gpt4o-deployment }   # upstream model → deployment name
              local:
                type: ollama
                base_url: http://localhost:11434
              deepseek:
                profile: deepseek                # a file in providers/; any field may be overridden here
                api_key: ${DEEPSEEK_API_KEY}
            models:                              # first match wins
              - match: "*haiku*"
                provider: local
                model: qwen2.5-coder:7b
              - match: "*opus*"
                provider: azure
                model: gpt-4o
                fallbacks:
                  - { provider: openai, model: gpt-4o }
              - match: "*"
                provider: openai
                model: gpt-4o-mini
            """
        let environment = ["PROXY_API_KEY": "client-key", "AZURE_OPENAI_API_KEY": "az"]
        let settings = try ConfigFile.load(text: text, file: "config.yaml", environment: environment, profiles: Self.library)
        #expect(settings.server.apiKeys == ["client-key"])
        #expect(settings.providers.map(\.name) == ["openai", "azure", "local", "deepseek"])
        #expect(settings.provider(named: "deepseek")?.baseURL == "https://api.deepseek.com/v1")
        #expect(settings.provider(named: "deepseek")?.apiKey == nil)
        #expect(settings.targets(for: RequestTraits(model: "claude-opus-4-6")).map(\.label) == ["azure/gpt-4o", "openai/gpt-4o"])
        #expect(settings.targets(for: RequestTraits(model: "claude-haiku-4-5")).first?.label == "local/qwen2.5-coder:7b")
        #expect(settings.targets(for: RequestTraits(model: "claude-sonnet-4-5")).first?.label == "openai/gpt-4o-mini")
        #expect(
            settings.targets(for: RequestTraits(model: "claude-opus-4-6[1m]")).first?.label == "azure/gpt-4o",
            "dated and [1m] ids match too")

        // With no variables set the file still loads: keys are simply absent until a request needs them.
        let bare = try ConfigFile.load(text: text, file: "config.yaml", environment: [:], profiles: Self.library)
        #expect(bare.server.apiKeys.isEmpty, "an api_keys entry whose variable is unset is ignored")
        #expect(bare.provider(named: "azure")?.apiKey == nil)
        #expect(bare.provider(named: "azure")?.apiKeySource?.contains("AZURE_OPENAI_API_KEY") == true)
    }
}
