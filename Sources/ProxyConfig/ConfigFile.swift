import ProxyCore

/// config.yaml → `ProxySettings`.
///
/// Every problem is reported as `FILE:LINE:COL: message (at key.path)`: unknown keys (with a suggestion),
/// wrong types, missing keys, unknown provider types and routes naming undefined providers. A provider's
/// `api_key: ${VAR}` with VAR unset is not an error here: the provider fails with a clear message only
/// when a request is routed to it, so one missing key never stops the others from serving.
package enum ConfigFile {
    package static func load(
        text: String, file: String, environment: [String: String], profiles: ProfileLibrary = ProfileLibrary(directories: []),
        registry: AdapterRegistry = .builtIn
    ) throws(YAMLError) -> ProxySettings {
        let document = try YAMLDecoder(file: file).decode(ConfigDocument.self, fromYAML: text, environment: environment)
        var providers: [ProviderSettings] = []
        for entry in document.providers.entries {
            var section = entry.value
            if let profile = section.profile {
                let path = "providers.\(entry.key).profile"
                section = section.merged(over: try profiles.profile(profile, usedAt: path, file: file, environment: environment))
            }
            providers.append(try section.settings(name: entry.key, mark: entry.keyMark, file: file, knownTypes: registry.kinds))
        }
        return try document.settings(providers: providers, file: file)
    }
}

/// The file's shape, key for key; `settings(providers:file:)` checks what crosses sections.
struct ConfigDocument: Decodable {
    var server: ServerSection?
    var limits: LimitsSection?
    var providers: OrderedYAMLMapping<ProviderSection>
    var models: [RouteSection]

    struct ServerSection: Decodable {
        var host: String?
        var port: Int?
        var apiKeys: [ConfigString]?
        var logLevel: ConfigString?
        var maxBodyBytes: Int?
        var requestTimeout: Double?
        var connectTimeout: Double?
        var shutdownGracePeriod: Double?
        var pingInterval: Double?
        var metrics: ConfigString?

        enum CodingKeys: String, CodingKey {
            case host, port, metrics
            case shutdownGracePeriod = "shutdown_grace_period"
            case pingInterval = "ping_interval"
            case apiKeys = "api_keys"
            case logLevel = "log_level"
            case maxBodyBytes = "max_body_bytes"
            case requestTimeout = "request_timeout"
            case connectTimeout = "connect_timeout"
        }
    }

    struct LimitsSection: Decodable {
        var maxTokens: Int?
        var minTokens: Int?
        var defaultMaxTokens: Int?
        var tokenEstimation: Bool?

        enum CodingKeys: String, CodingKey {
            case maxTokens = "max_tokens"
            case minTokens = "min_tokens"
            case defaultMaxTokens = "default_max_tokens"
            case tokenEstimation = "token_estimation"
        }
    }

    struct RouteSection: Decodable {
        var match: String
        var provider: ConfigString
        var model: String?
        var fallbacks: [FallbackSection]?
        var when: ConditionsSection?
    }

    struct ConditionsSection: Decodable {
        var thinking: Bool?
        var minPromptTokens: Int?
        var images: Bool?
        var webSearch: Bool?

        enum CodingKeys: String, CodingKey {
            case thinking, images
            case minPromptTokens = "min_prompt_tokens"
            case webSearch = "web_search"
        }
    }

    struct FallbackSection: Decodable {
        var provider: ConfigString
        var model: String?
    }

    func settings(providers: [ProviderSettings], file: String) throws(YAMLError) -> ProxySettings {
        var routes: [ModelRoute] = []
        for (position, route) in models.enumerated() {
            try checkProviderExists(route.provider, path: "models[\(position)].provider", file: file)
            var fallbacks: [RouteStep] = []
            for (index, fallback) in (route.fallbacks ?? []).enumerated() {
                try checkProviderExists(fallback.provider, path: "models[\(position)].fallbacks[\(index)].provider", file: file)
                fallbacks.append(RouteStep(provider: fallback.provider.value, model: fallback.model))
            }
            let conditions = RouteConditions(
                thinking: route.when?.thinking, minPromptTokens: route.when?.minPromptTokens, images: route.when?.images,
                webSearch: route.when?.webSearch
            )
            routes.append(
                ModelRoute(
                    pattern: route.match, provider: route.provider.value, model: route.model, fallbacks: fallbacks, conditions: conditions)
            )
        }
        return ProxySettings(server: try serverSettings(file: file), tokens: tokenLimits, providers: providers, routes: routes)
    }

    private func checkProviderExists(_ name: ConfigString, path: String, file: String) throws(YAMLError) {
        guard providers[name.value] == nil else { return }
        throw YAMLError(
            file: file, mark: name.mark, path: path,
            message:
                "route names provider '\(name.value)', which is not defined under providers (defined: \(providers.keys.joined(separator: ", ")))"
        )
    }

    private func serverSettings(file: String) throws(YAMLError) -> ServerSettings {
        let defaults = ServerSettings()
        let keys = (server?.apiKeys ?? []).filter { $0.isComplete && !$0.value.isEmpty }.map(\.value)
        var logLevel = defaults.logLevel
        if let level = server?.logLevel {
            guard let normalized = LogLevelName.normalized(level.value) else {
                throw YAMLError(
                    file: file, mark: level.mark, path: "server.log_level",
                    message: "log_level must be one of \(LogLevelName.accepted), not '\(level.value)'")
            }
            logLevel = normalized
        }
        return ServerSettings(
            host: server?.host,
            port: server?.port ?? defaults.port,
            apiKeys: keys,
            logLevel: logLevel,
            maxBodyBytes: server?.maxBodyBytes ?? defaults.maxBodyBytes,
            upstreamTimeout: server?.requestTimeout.map { .milliseconds(Int64($0 * 1000)) } ?? defaults.upstreamTimeout,
            connectTimeout: server?.connectTimeout.map { .milliseconds(Int64($0 * 1000)) } ?? defaults.connectTimeout,
            shutdownGracePeriod: server?.shutdownGracePeriod.map { .milliseconds(Int64($0 * 1000)) } ?? defaults.shutdownGracePeriod,
            pingInterval: try pingInterval(default: defaults.pingInterval, file: file),
            metrics: try metricsAccess(default: defaults.metrics, file: file)
        )
    }

    private func metricsAccess(
        default fallback: ServerSettings.MetricsAccess, file: String
    ) throws(YAMLError) -> ServerSettings.MetricsAccess {
        guard let configured = server?.metrics else { return fallback }
        guard let access = ServerSettings.MetricsAccess(rawValue: configured.value) else {
            let accepted = ServerSettings.MetricsAccess.allCases.map(\.rawValue).joined(separator: ", ")
            throw YAMLError(
                file: file, mark: configured.mark, path: "server.metrics",
                message: "metrics must be one of \(accepted), not '\(configured.value)'")
        }
        return access
    }

    private func pingInterval(default fallback: Duration, file: String) throws(YAMLError) -> Duration {
        guard let seconds = server?.pingInterval else { return fallback }
        guard seconds >= 0.01 else {
            throw YAMLError(
                file: file, mark: nil, path: "server.ping_interval", message: "ping_interval must be at least 0.01 seconds, not \(seconds)")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    private var tokenLimits: TokenLimits {
        let defaults = TokenLimits()
        return TokenLimits(
            maxTokensLimit: limits?.maxTokens ?? defaults.maxTokensLimit,
            minTokensLimit: limits?.minTokens ?? defaults.minTokensLimit,
            defaultMaxTokens: limits?.defaultMaxTokens ?? defaults.defaultMaxTokens,
            enableTokenEstimation: limits?.tokenEstimation ?? defaults.enableTokenEstimation
        )
    }
}
