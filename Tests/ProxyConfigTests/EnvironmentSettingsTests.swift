import BuiltInAdapters
import ProxyCore
import Testing

@testable import ProxyConfig

@Suite("Seed environment variables → settings")
struct EnvironmentSettingsTests {
    private func load(_ environment: [String: String]) throws -> ProxySettings {
        try EnvironmentSettings.load(environment: environment)
    }

    private func upstreamModel(_ environment: [String: String], client: String) throws -> String? {
        try load(environment).targets(for: RequestTraits(model: client)).first?.upstreamModel
    }

    /// The message of the ConfigurationError `environment` causes, or nil when it loads.
    private func errorMessage(_ environment: [String: String]) -> String? {
        do {
            _ = try EnvironmentSettings.load(environment: environment)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("with nothing set: one OpenAI provider, loopback, port 8082, gpt-4o and gpt-4o-mini")
    func defaults() throws {
        let settings = try load([:])
        #expect(settings.providers.count == 1)
        #expect(settings.providers.first?.type == "openai")
        #expect(settings.providers.first?.baseURL == "https://api.openai.com/v1")
        #expect(settings.server.host == "127.0.0.1")
        #expect(settings.server.port == 8082)
        #expect(settings.server.apiKeys == [])
    }

    @Test(
        "seed model mapping with defaults",
        arguments: [
            ("claude-haiku-4-5-20251001", "gpt-4o-mini"),
            ("claude-sonnet-4-5", "gpt-4o"),
            ("claude-opus-4-6[1m]", "gpt-4o"),
        ]
    )
    func defaultMapping(client: String, upstream: String) throws {
        #expect(try upstreamModel([:], client: client) == upstream)
    }

    @Test("MIDDLE_MODEL defaults to BIG_MODEL")
    func middleDefaultsToBig() throws {
        #expect(try upstreamModel(["BIG_MODEL": "gpt-5"], client: "claude-sonnet-4-5") == "gpt-5")
    }

    @Test("MIDDLE_MODEL, SMALL_MODEL and BIG_MODEL route sonnet, haiku and opus")
    func explicitModels() throws {
        let environment = ["BIG_MODEL": "big", "MIDDLE_MODEL": "mid", "SMALL_MODEL": "small"]
        #expect(try upstreamModel(environment, client: "claude-sonnet-4-5") == "mid")
        #expect(try upstreamModel(environment, client: "claude-haiku-4-5") == "small")
        #expect(try upstreamModel(environment, client: "claude-opus-4-6") == "big")
    }

    @Test(
        "OpenAI-style and other provider model names pass through unchanged (seed model_manager)",
        arguments: ["gpt-4o", "o1-mini", "ep-2024", "doubao-pro-32k", "deepseek-chat"]
    )
    func passThroughNames(client: String) throws {
        #expect(try upstreamModel(["BIG_MODEL": "big"], client: client) == client)
    }

    // The rule is "any other name is sent upstream unchanged"; docs/translation.md §3.1 describes the
    // seed's code sending it to BIG_MODEL instead.
    @Test("any other client model is sent upstream unchanged", arguments: ["claude-3-7-unknown", "qwen2.5-coder:7b"])
    func unknownModelUnchanged(client: String) throws {
        #expect(try upstreamModel(["BIG_MODEL": "big"], client: client) == client)
    }

    @Test("CUSTOM_HEADER_FOO_BAR becomes header FOO-BAR")
    func customHeaders() throws {
        let settings = try load(["CUSTOM_HEADER_FOO_BAR": "v", "CUSTOM_HEADER_X_TITLE": "proxy", "CUSTOM_HEADER_": "ignored"])
        #expect(settings.providers.first?.headers == [HTTPHeader("FOO-BAR", "v"), HTTPHeader("X-TITLE", "proxy")])
    }

    @Test("AZURE_API_VERSION switches the provider to Azure")
    func azureSwitch() throws {
        let provider = try load([
            "AZURE_API_VERSION": "2024-10-21", "OPENAI_BASE_URL": "https://res.openai.azure.com/openai/deployments/gpt4o",
        ]).providers.first
        #expect(provider?.type == "azure")
        #expect(provider?.apiVersion == "2024-10-21")
    }

    @Test("the API key comes from OPENAI_API_KEY, and its absence names that variable")
    func apiKeySource() throws {
        #expect(try load(["OPENAI_API_KEY": "sk-1"]).providers.first?.apiKey == "sk-1")
        let provider = try #require(try load([:]).providers.first)
        let adapter = try #require(AdapterRegistry.builtIn.adapter(for: provider))
        #expect(throws: AnthropicError.self) { try provider.apiKey(requiredByDefault: type(of: adapter).requiresAPIKey) }
        do {
            _ = try provider.apiKey(requiredByDefault: type(of: adapter).requiresAPIKey)
        } catch {
            #expect(error.message.contains("OPENAI_API_KEY"))
        }
    }

    @Test(
        "invalid values fail with a one-line error naming the variable",
        arguments: [
            ("PORT", "abc"), ("PORT", "70000"), ("PORT", "-1"),
            ("LOG_LEVEL", "verbose"),
            ("ENABLE_TOKEN_ESTIMATION", "maybe"),
            ("MAX_TOKENS_LIMIT", "lots"), ("MAX_TOKENS_LIMIT", "0"),
            ("MIN_TOKENS_LIMIT", "-3"),
            ("REQUEST_TIMEOUT", "0"), ("REQUEST_TIMEOUT", "fast"),
            ("OPENAI_BASE_URL", "api.openai.com/v1"),
        ]
    )
    func invalidValues(name: String, value: String) throws {
        let message = try #require(errorMessage([name: value]))
        #expect(message.contains(name))
        #expect(message.contains(value))
        #expect(!message.contains("\n"))
    }

    @Test(
        "log levels accept swift-log and Python names",
        arguments: [
            ("WARNING", "warning"), ("warn", "warning"), ("DEBUG", "debug"), ("INFO", "info"), ("CRITICAL", "critical"), ("trace", "trace"),
        ]
    )
    func logLevels(value: String, expected: String) throws {
        #expect(try load(["LOG_LEVEL": value]).server.logLevel == expected)
    }

    @Test(
        "booleans accept true/false, 1/0, yes/no, on/off",
        arguments: [("true", true), ("FALSE", false), ("1", true), ("0", false), ("yes", true), ("off", false)])
    func booleans(value: String, expected: Bool) throws {
        #expect(try load(["ENABLE_TOKEN_ESTIMATION": value]).tokens.enableTokenEstimation == expected)
    }

    @Test("HOST defaults to 127.0.0.1 without ANTHROPIC_API_KEY and to 0.0.0.0 with it")
    func hostDefault() throws {
        #expect(try load([:]).server.host == "127.0.0.1")
        #expect(try load(["ANTHROPIC_API_KEY": "client-key"]).server.host == "0.0.0.0")
        #expect(try load(["ANTHROPIC_API_KEY": "client-key"]).server.apiKeys == ["client-key"])
    }

    @Test("an explicit HOST wins")
    func explicitHost() throws {
        #expect(try load(["HOST": "192.168.1.5"]).server.host == "192.168.1.5")
        #expect(try load(["HOST": "127.0.0.1", "ANTHROPIC_API_KEY": "k"]).server.host == "127.0.0.1")
    }

    @Test("empty variables count as unset")
    func emptyIsUnset() throws {
        let settings = try load(["PORT": "", "BIG_MODEL": "", "HOST": " "])
        #expect(settings.server.port == 8082)
        #expect(settings.server.host == "127.0.0.1")
        #expect(settings.targets(for: RequestTraits(model: "claude-opus-4-6")).first?.upstreamModel == "gpt-4o")
    }

    @Test("token limits come from MAX_TOKENS_LIMIT, MIN_TOKENS_LIMIT and DEFAULT_MAX_TOKENS")
    func tokenLimits() throws {
        let tokens = try load(["MAX_TOKENS_LIMIT": "4096", "MIN_TOKENS_LIMIT": "4096", "DEFAULT_MAX_TOKENS": "2048"]).tokens
        #expect(tokens == TokenLimits(maxTokensLimit: 4096, minTokensLimit: 4096, defaultMaxTokens: 2048, zeroGeneratesNothing: false))
    }

    @Test("the environment wins over .env values")
    func mergedEnvironmentWins() {
        let merged = EnvironmentSettings.merged(environment: ["A": "env"], dotEnvText: "A=file\nB=file")
        #expect(merged == ["A": "env", "B": "file"])
    }

    @Test("without a .env file the environment is used as is")
    func mergedWithoutFile() {
        #expect(EnvironmentSettings.merged(environment: ["A": "1"], dotEnvText: nil) == ["A": "1"])
    }
}
