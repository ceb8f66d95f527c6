import ProxyCore

/// config.yaml → `ProxySettings`.
///
/// Every problem is reported as `FILE:LINE:COL: message (at key.path)`: unknown keys (with a suggestion),
/// wrong types, missing keys, unknown provider types and routes naming undefined providers. A provider's
/// `api_key: ${VAR}` with VAR unset is not an error here: the provider fails with a clear message only
/// when a request is routed to it, so one missing key never stops the others from serving.
package enum ConfigFile {
    package static func load(
        text: String, file: String, environment: [String: String],
        registry: [String: any ProviderAdapter.Type] = ProviderRegistry.builtIn
    ) throws(YAMLError) -> ProxySettings {
        let document = try YAMLDecoder(file: file).decode(ConfigDocument.self, fromYAML: text, environment: environment)
        return try document.settings(file: file, knownTypes: Set(registry.keys))
    }
}

/// The file's shape, key for key; `settings(file:knownTypes:)` checks what crosses sections.
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

        enum CodingKeys: String, CodingKey {
            case host, port
            case shutdownGracePeriod = "shutdown_grace_period"
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

    struct ProviderSection: Decodable {
        var type: ConfigString
        var baseURL: ConfigString
        var apiKey: ConfigString?
        var apiVersion: String?
        var deployments: [String: String]?
        var headers: OrderedYAMLMapping<String>?

        enum CodingKeys: String, CodingKey {
            case type
            case baseURL = "base_url"
            case apiKey = "api_key"
            case apiVersion = "api_version"
            case deployments, headers
        }
    }

    struct RouteSection: Decodable {
        var match: String
        var provider: ConfigString
        var model: String?
        var fallbacks: [FallbackSection]?
    }

    struct FallbackSection: Decodable {
        var provider: ConfigString
        var model: String?
    }

    func settings(file: String, knownTypes: Set<String>) throws(YAMLError) -> ProxySettings {
        var providers: [ProviderSettings] = []
        for entry in self.providers.entries {
            let section = entry.value
            guard knownTypes.contains(section.type.value) else {
                throw YAMLError(
                    file: file, mark: section.type.mark, path: "providers.\(entry.key).type",
                    message: "unknown provider type '\(section.type.value)'; expected one of: \(knownTypes.sorted().joined(separator: ", "))"
                )
            }
            let baseURL = section.baseURL.value
            guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
                throw YAMLError(
                    file: file, mark: section.baseURL.mark, path: "providers.\(entry.key).base_url",
                    message: "base_url must start with http:// or https://, not '\(baseURL)'"
                )
            }
            let key = section.apiKey.flatMap { $0.isComplete && !$0.value.isEmpty ? $0.value : nil }
            let source = section.apiKey.map { key in
                key.missingVariables.isEmpty ? "api_key in \(file)" : key.missingVariables.joined(separator: ", ") + " (used by api_key in \(file))"
            }
            providers.append(
                ProviderSettings(
                    name: entry.key, type: section.type.value, baseURL: baseURL, apiKey: key, apiKeySource: source,
                    apiVersion: section.apiVersion, headers: section.headers?.entries.map { HTTPHeader($0.key, $0.value) } ?? [],
                    deployments: section.deployments ?? [:]
                )
            )
        }
        var routes: [ModelRoute] = []
        for (position, route) in models.enumerated() {
            try checkProviderExists(route.provider, path: "models[\(position)].provider", file: file)
            var fallbacks: [RouteStep] = []
            for (index, fallback) in (route.fallbacks ?? []).enumerated() {
                try checkProviderExists(fallback.provider, path: "models[\(position)].fallbacks[\(index)].provider", file: file)
                fallbacks.append(RouteStep(provider: fallback.provider.value, model: fallback.model))
            }
            routes.append(ModelRoute(pattern: route.match, provider: route.provider.value, model: route.model, fallbacks: fallbacks))
        }
        return ProxySettings(server: try serverSettings(file: file), tokens: tokenLimits, providers: providers, routes: routes)
    }

    private func checkProviderExists(_ name: ConfigString, path: String, file: String) throws(YAMLError) {
        guard providers[name.value] == nil else { return }
        throw YAMLError(
            file: file, mark: name.mark, path: path,
            message: "route names provider '\(name.value)', which is not defined under providers (defined: \(providers.keys.joined(separator: ", ")))"
        )
    }

    private func serverSettings(file: String) throws(YAMLError) -> ServerSettings {
        let defaults = ServerSettings()
        let keys = (server?.apiKeys ?? []).filter { $0.isComplete && !$0.value.isEmpty }.map(\.value)
        var logLevel = defaults.logLevel
        if let level = server?.logLevel {
            guard let normalized = LogLevelName.normalized(level.value) else {
                throw YAMLError(file: file, mark: level.mark, path: "server.log_level", message: "log_level must be one of \(LogLevelName.accepted), not '\(level.value)'")
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
            shutdownGracePeriod: server?.shutdownGracePeriod.map { .milliseconds(Int64($0 * 1000)) } ?? defaults.shutdownGracePeriod
        )
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
