import BuiltInAdapters
import ProxyCore

/// config.yaml → `ProxySettings`.
///
/// Every problem is reported as `FILE:LINE:COL: message (at key.path)`, all of them in one go: unknown
/// keys (with a suggestion), wrong types, missing keys, unknown provider types and routes naming undefined
/// providers. Each provider section and each route is checked on its own, so a broken one hides nothing
/// in the others; only a file that is not well-formed YAML stops at its first problem. A provider's
/// `api_key: ${VAR}` with VAR unset is not an error here: the provider fails with a clear message only
/// when a request is routed to it, so one missing key never stops the others from serving.
package enum ConfigFile {
    package static func load(
        text: String, file: String, environment: [String: String], profiles: ProfileLibrary = ProfileLibrary(directories: []),
        registry: AdapterRegistry = .builtIn
    ) throws(YAMLProblems) -> ProxySettings {
        var (document, problems) = YAMLDecoder(file: file).decodeCollecting(ConfigDocument.self, fromYAML: text, environment: environment)
        guard let document else { throw problems }
        var providers: [ProviderSettings] = []
        for entry in document.providers?.entries ?? [] {
            guard var section = entry.value.value else { continue }
            if let profile = section.profile {
                do throws(YAMLProblems) {
                    let path = "providers.\(entry.key).profile"
                    section = section.merged(over: try profiles.profile(profile, usedAt: path, file: file, environment: environment))
                } catch {
                    problems.append(contentsOf: error)
                    continue
                }
            }
            let settings = section.settings(
                name: entry.key, mark: entry.keyMark, file: file, registry: registry, problems: &problems)
            if let settings { providers.append(settings) }
        }
        let settings = document.settings(providers: providers, file: file, problems: &problems)
        try problems.throwIfAny()
        return settings
    }
}

/// The file's shape, key for key; `settings(providers:file:problems:)` checks what crosses sections.
struct ConfigDocument: Decodable {
    var server: ServerSection?
    var limits: LimitsSection?
    /// nil when missing or not a mapping; an entry's value is nil when that section has a problem.
    var providers: OrderedYAMLMapping<YAMLChecked<ProviderSection>>?
    /// nil when missing or not a sequence; the routes are checked as far as they decoded.
    var models: [YAMLChecked<RouteSection>]?
    var store: StoreSection?

    enum CodingKeys: String, CodingKey {
        case server, limits, providers, models, store
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        server = try container.decodeIfPresent(ServerSection.self, forKey: .server)
        limits = try container.decodeIfPresent(LimitsSection.self, forKey: .limits)
        providers = try decoder.recordingProblems {
            try container.decode(OrderedYAMLMapping<YAMLChecked<ProviderSection>>.self, forKey: .providers)
        }
        models = try decoder.recordingProblems { try container.decode([YAMLChecked<RouteSection>].self, forKey: .models) }
        store = try container.decodeIfPresent(StoreSection.self, forKey: .store)
    }

    struct ServerSection: Decodable {
        var host: String?
        var port: YAMLMarked<Int>?
        var apiKeys: [ConfigString]?
        var adminKeys: [ConfigString]?
        var logLevel: ConfigString?
        var maxBodyBytes: YAMLMarked<Int>?
        var requestTimeout: YAMLMarked<Double>?
        var connectTimeout: YAMLMarked<Double>?
        var shutdownGracePeriod: YAMLMarked<Double>?
        var pingInterval: YAMLMarked<Double>?
        var metrics: ConfigString?
        var clientHeaderTimeout: YAMLMarked<Double>?
        var clientBodyTimeout: YAMLMarked<Double>?
        var clientIdleTimeout: YAMLMarked<Double>?
        var maxConnections: YAMLMarked<Int>?
        var threads: YAMLMarked<Int>?

        enum CodingKeys: String, CodingKey {
            case host, port, metrics
            case clientHeaderTimeout = "client_header_timeout"
            case clientBodyTimeout = "client_body_timeout"
            case clientIdleTimeout = "client_idle_timeout"
            case maxConnections = "max_connections"
            case threads
            case shutdownGracePeriod = "shutdown_grace_period"
            case pingInterval = "ping_interval"
            case apiKeys = "api_keys"
            case adminKeys = "admin_keys"
            case logLevel = "log_level"
            case maxBodyBytes = "max_body_bytes"
            case requestTimeout = "request_timeout"
            case connectTimeout = "connect_timeout"
        }
    }

    struct LimitsSection: Decodable {
        var maxTokens: YAMLMarked<Int>?
        var minTokens: YAMLMarked<Int>?
        var defaultMaxTokens: YAMLMarked<Int>?
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
        /// The metadata keys, which sit next to the others.
        var metadata: MetadataKeys

        enum CodingKeys: String, CodingKey {
            case match, provider, model, fallbacks, when
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            match = try container.decode(String.self, forKey: .match)
            provider = try container.decode(ConfigString.self, forKey: .provider)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            fallbacks = try container.decodeIfPresent([FallbackSection].self, forKey: .fallbacks)
            when = try container.decodeIfPresent(ConditionsSection.self, forKey: .when)
            metadata = try MetadataKeys(from: decoder)
        }
    }

    struct ConditionsSection: Decodable {
        var thinking: Bool?
        var minPromptTokens: YAMLMarked<Int>?
        var images: Bool?
        var webSearch: Bool?
        var subagent: Bool?
        var requestClass: YAMLOneOrMore<YAMLMarked<String>>?
        var agentType: YAMLOneOrMore<String>?

        enum CodingKeys: String, CodingKey {
            case thinking, images, subagent
            case minPromptTokens = "min_prompt_tokens"
            case webSearch = "web_search"
            case requestClass = "request_class"
            case agentType = "agent_type"
        }

        /// The conditions, with `min_prompt_tokens` and every `request_class` checked at their lines.
        func conditions(in parent: String, file: String, problems: inout YAMLProblems) -> RouteConditions {
            let minPromptTokens = minPromptTokens?.atLeast(0, key: "min_prompt_tokens", in: parent, file: file, problems: &problems)
            let known = ClaudeCodeHints.requestClasses
            let classes = requestClass?.values.compactMap { marked -> String? in
                let name = marked.value.lowercased()
                guard known.contains(name) else {
                    problems.append(
                        YAMLError(
                            file: file, mark: marked.mark, path: "\(parent).request_class",
                            message:
                                "request_class '\(marked.value)' is not one Claude Code sends; use one of \(known.joined(separator: ", "))")
                    )
                    return nil
                }
                return name
            }
            return RouteConditions(
                thinking: thinking, minPromptTokens: minPromptTokens, images: images, webSearch: webSearch, subagent: subagent,
                requestClasses: classes, agentTypes: agentType?.values.map { $0.lowercased() })
        }
    }

    struct FallbackSection: Decodable {
        var provider: ConfigString
        var model: String?
        var metadata: MetadataKeys

        enum CodingKeys: String, CodingKey {
            case provider, model
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            provider = try container.decode(ConfigString.self, forKey: .provider)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            metadata = try MetadataKeys(from: decoder)
        }
    }

    /// The settings from what decoded, with the routes and server values checked; each problem goes to
    /// `problems` (the settings are only used when there is none).
    func settings(providers: [ProviderSettings], file: String, problems: inout YAMLProblems) -> ProxySettings {
        var routes: [ModelRoute] = []
        for (position, route) in (models ?? []).enumerated() {
            guard let route = route.decoded else { continue }
            checkProviderExists(route.provider, path: "models[\(position)].provider", file: file, problems: &problems)
            var fallbacks: [RouteStep] = []
            for (index, fallback) in (route.fallbacks ?? []).enumerated() {
                checkProviderExists(
                    fallback.provider, path: "models[\(position)].fallbacks[\(index)].provider", file: file, problems: &problems)
                let metadata = fallback.metadata.metadata(path: "models[\(position)].fallbacks[\(index)]", file: file, problems: &problems)
                fallbacks.append(RouteStep(provider: fallback.provider.value, model: fallback.model, metadata: metadata))
            }
            let conditions =
                route.when?.conditions(in: "models[\(position)].when", file: file, problems: &problems) ?? RouteConditions()
            routes.append(
                ModelRoute(
                    pattern: route.match, provider: route.provider.value, model: route.model, fallbacks: fallbacks, conditions: conditions,
                    metadata: route.metadata.metadata(path: "models[\(position)]", file: file, problems: &problems))
            )
        }
        let store = store?.settings(file: file, problems: &problems)
        var server = serverSettings(file: file, problems: &problems)
        // Managed keys guard the door as static keys do: a proxy with a store may listen beyond loopback.
        if store != nil, self.server?.host == nil { server.host = "0.0.0.0" }
        return ProxySettings(
            server: server, tokens: tokenLimits(file: file, problems: &problems), providers: providers, routes: routes, store: store)
    }

    /// A route's provider must be defined (a section with problems of its own counts as defined). Not
    /// checked when `providers` itself is missing or wrong: that is reported already.
    private func checkProviderExists(_ name: ConfigString, path: String, file: String, problems: inout YAMLProblems) {
        guard let providers, providers[name.value] == nil else { return }
        problems.append(
            YAMLError(
                file: file, mark: name.mark, path: path,
                message:
                    "route names provider '\(name.value)', which is not defined under providers (defined: \(providers.keys.joined(separator: ", ")))"
            ))
    }

    private func serverSettings(file: String, problems: inout YAMLProblems) -> ServerSettings {
        let defaults = ServerSettings()
        func usable(_ keys: [ConfigString]?) -> [String] {
            (keys ?? []).filter { $0.isComplete && !$0.value.isEmpty }.map(\.value)
        }
        return ServerSettings(
            host: server?.host,
            // 0: any free port, which the start-up line then names.
            port: atLeast(0, atMost: 65535, server?.port, key: "port", file: file, problems: &problems) ?? defaults.port,
            apiKeys: usable(server?.apiKeys),
            adminKeys: usable(server?.adminKeys),
            logLevel: problems.check { () throws(YAMLError) in try logLevel(default: defaults.logLevel, file: file) } ?? defaults.logLevel,
            maxBodyBytes: atLeast(1, server?.maxBodyBytes, key: "max_body_bytes", file: file, problems: &problems)
                ?? defaults.maxBodyBytes,
            upstreamTimeout: seconds(
                server?.requestTimeout, key: "request_timeout", default: defaults.upstreamTimeout, file: file, problems: &problems),
            connectTimeout: seconds(
                server?.connectTimeout, key: "connect_timeout", default: defaults.connectTimeout, file: file, problems: &problems),
            shutdownGracePeriod: seconds(
                server?.shutdownGracePeriod, key: "shutdown_grace_period", default: defaults.shutdownGracePeriod, file: file,
                problems: &problems),
            pingInterval: seconds(
                server?.pingInterval, key: "ping_interval", default: defaults.pingInterval, file: file, problems: &problems),
            metrics: problems.check { () throws(YAMLError) in try metricsAccess(default: defaults.metrics, file: file) }
                ?? defaults.metrics,
            clientTimeouts: ClientTimeouts(
                header: seconds(
                    server?.clientHeaderTimeout, key: "client_header_timeout", default: defaults.clientTimeouts.header, file: file,
                    problems: &problems),
                body: seconds(
                    server?.clientBodyTimeout, key: "client_body_timeout", default: defaults.clientTimeouts.body, file: file,
                    problems: &problems),
                idle: seconds(
                    server?.clientIdleTimeout, key: "client_idle_timeout", default: defaults.clientTimeouts.idle, file: file,
                    problems: &problems)
            ),
            maxConnections: atLeast(1, atMost: 1 << 20, server?.maxConnections, key: "max_connections", file: file, problems: &problems)
                ?? defaults.maxConnections,
            threads: atLeast(1, atMost: 1024, server?.threads, key: "threads", file: file, problems: &problems)
        )
    }

    /// `server.log_level`, normalised.
    private func logLevel(default fallback: String, file: String) throws(YAMLError) -> String {
        guard let level = server?.logLevel else { return fallback }
        guard let normalized = LogLevelName.normalized(level.value) else {
            throw YAMLError(
                file: file, mark: level.mark, path: "server.log_level",
                message: "log_level must be one of \(LogLevelName.accepted), not '\(level.value)'")
        }
        return normalized
    }

    /// `server.metrics`.
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

    /// A `server` duration in seconds, from 0.01 to ``longestSeconds``.
    private func seconds(
        _ configured: YAMLMarked<Double>?, key: String, default fallback: Duration, file: String, problems: inout YAMLProblems
    ) -> Duration {
        atLeast(0.01, atMost: Self.longestSeconds, configured, key: key, unit: " seconds", file: file, problems: &problems)
            .map(Self.duration) ?? fallback
    }

    /// The configured value when it is at least `minimum` (and at most `maximum`); nil when none is
    /// configured, or (a problem at its line) when it is out of bounds.
    private func atLeast<Value: Comparable & Decodable>(
        _ minimum: Value, atMost maximum: Value? = nil, _ configured: YAMLMarked<Value>?, key: String, in parent: String = "server",
        unit: String = "", file: String, problems: inout YAMLProblems
    ) -> Value? {
        configured?.atLeast(minimum, atMost: maximum, key: key, in: parent, unit: unit, file: file, problems: &problems)
    }

    /// The longest duration any setting takes, a week: more is a typo (and would overflow a `Duration`).
    static let longestSeconds: Double = 604_800

    static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64(seconds * 1000))
    }

    private func tokenLimits(file: String, problems: inout YAMLProblems) -> TokenLimits {
        let defaults = TokenLimits()
        func tokens(_ minimum: Int, _ configured: YAMLMarked<Int>?, key: String) -> Int? {
            atLeast(minimum, configured, key: key, in: "limits", file: file, problems: &problems)
        }
        return TokenLimits(
            maxTokensLimit: tokens(1, limits?.maxTokens, key: "max_tokens") ?? defaults.maxTokensLimit,
            minTokensLimit: tokens(0, limits?.minTokens, key: "min_tokens") ?? defaults.minTokensLimit,
            defaultMaxTokens: tokens(1, limits?.defaultMaxTokens, key: "default_max_tokens") ?? defaults.defaultMaxTokens,
            enableTokenEstimation: limits?.tokenEstimation ?? defaults.enableTokenEstimation
        )
    }
}
