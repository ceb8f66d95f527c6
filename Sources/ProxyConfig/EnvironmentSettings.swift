import ProxyCore

/// The seed's configuration by environment variables (and `.env`), turned into `ProxySettings`: one
/// provider named "openai" (Azure when `AZURE_API_VERSION` is set) and the seed's model mapping —
/// haiku → SMALL_MODEL, sonnet → MIDDLE_MODEL, opus → BIG_MODEL, any other name unchanged.
package enum EnvironmentSettings {
    package static func load(environment: [String: String]) throws(ConfigurationError) -> ProxySettings {
        let variables = Variables(environment)
        let clientKeys = variables["ANTHROPIC_API_KEY"].map { [$0] } ?? []
        let server = ServerSettings(
            host: variables["HOST"],
            port: try variables.port("PORT", default: 8082),
            apiKeys: clientKeys,
            logLevel: try variables.logLevel("LOG_LEVEL", default: "info"),
            upstreamTimeout: .seconds(try variables.positiveNumber("REQUEST_TIMEOUT", default: 90))
        )
        let tokens = TokenLimits(
            maxTokensLimit: try variables.integer("MAX_TOKENS_LIMIT", default: 16384, minimum: 1),
            minTokensLimit: try variables.integer("MIN_TOKENS_LIMIT", default: 100, minimum: 0),
            defaultMaxTokens: try variables.integer("DEFAULT_MAX_TOKENS", default: 1024, minimum: 1),
            enableTokenEstimation: try variables.bool("ENABLE_TOKEN_ESTIMATION", default: true),
            zeroGeneratesNothing: false
        )
        let azureVersion = variables["AZURE_API_VERSION"]
        let provider = ProviderSettings(
            name: "openai",
            type: azureVersion == nil ? OpenAIAdapter.kind : AzureAdapter.kind,
            baseURL: try variables.url("OPENAI_BASE_URL", default: "https://api.openai.com/v1"),
            apiKey: variables["OPENAI_API_KEY"],
            apiKeySource: "OPENAI_API_KEY",
            apiVersion: azureVersion,
            headers: customHeaders(environment)
        )
        let big = variables["BIG_MODEL"] ?? "gpt-4o"
        let middle = variables["MIDDLE_MODEL"] ?? big
        let small = variables["SMALL_MODEL"] ?? "gpt-4o-mini"
        let routes = [
            ModelRoute(pattern: "*haiku*", provider: provider.name, model: small),
            ModelRoute(pattern: "*sonnet*", provider: provider.name, model: middle),
            ModelRoute(pattern: "*opus*", provider: provider.name, model: big),
            ModelRoute(pattern: "*", provider: provider.name, model: nil),
        ]
        return ProxySettings(server: server, tokens: tokens, providers: [provider], routes: routes)
    }

    /// The process environment with a `.env` file's values filled in where the environment has none.
    package static func merged(environment: [String: String], dotEnvText: String?) -> [String: String] {
        guard let dotEnvText else { return environment }
        return environment.merging(DotEnv.parse(dotEnvText)) { fromEnvironment, _ in fromEnvironment }
    }

    /// `CUSTOM_HEADER_FOO_BAR=v` → `FOO-BAR: v`, in name order so requests are reproducible.
    static func customHeaders(_ environment: [String: String]) -> [HTTPHeader] {
        let prefix = "CUSTOM_HEADER_"
        return environment.keys.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }.sorted().map { key in
            HTTPHeader(String(key.dropFirst(prefix.count)).replacing("_", with: "-"), environment[key] ?? "")
        }
    }
}

/// Typed reads of environment variables that fail with a message naming the variable.
private struct Variables {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// A variable's value; unset and empty are the same.
    subscript(name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: " \t"), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, default fallback: Int, minimum: Int) throws(ConfigurationError) -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), value >= minimum else {
            throw ConfigurationError("\(name) must be a whole number ≥ \(minimum), not '\(text)'")
        }
        return value
    }

    func port(_ name: String, default fallback: Int) throws(ConfigurationError) -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), (0...65535).contains(value) else {
            throw ConfigurationError("\(name) must be a port number from 0 to 65535, not '\(text)'")
        }
        return value
    }

    func positiveNumber(_ name: String, default fallback: Double) throws(ConfigurationError) -> Double {
        guard let text = self[name] else { return fallback }
        guard let value = Double(text), value > 0, value.isFinite else {
            throw ConfigurationError("\(name) must be a number of seconds > 0, not '\(text)'")
        }
        return value
    }

    func bool(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let text = self[name] else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, not '\(text)'")
        }
    }

    func logLevel(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        guard let text = self[name] else { return fallback }
        guard let level = LogLevelName.normalized(text) else {
            throw ConfigurationError("\(name) must be one of \(LogLevelName.accepted), not '\(text)'")
        }
        return level
    }

    func url(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        guard let text = self[name] else { return fallback }
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
            throw ConfigurationError("\(name) must start with http:// or https://, not '\(text)'")
        }
        return text
    }
}

/// Log level names: swift-log's and Python's (the seed's `LOG_LEVEL=WARNING`).
package enum LogLevelName {
    package static let accepted = "trace, debug, info, notice, warning, error, critical"

    package static func normalized(_ text: String) -> String? {
        switch text.lowercased() {
        case "trace": return "trace"
        case "debug": return "debug"
        case "info": return "info"
        case "notice": return "notice"
        case "warning", "warn": return "warning"
        case "error": return "error"
        case "critical", "fatal": return "critical"
        default: return nil
        }
    }
}
