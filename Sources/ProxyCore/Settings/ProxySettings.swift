#if canImport(Glibc)
    import Glibc
#endif

/// Everything the running proxy is configured with, whether it came from config.yaml or from the seed's
/// environment variables; both loaders produce this one type.
package struct ProxySettings: Sendable {
    package var server: ServerSettings
    package var tokens: TokenLimits
    /// Providers in the order they were declared.
    package var providers: [ProviderSettings]
    /// Tried in order; the first whose pattern matches the client's model wins.
    package var routes: [ModelRoute]
    /// The database replicas share (managed keys, the usage ledger, cooldowns); nil: none, as for one
    /// user on one machine.
    package var store: StoreSettings?

    package init(
        server: ServerSettings = .init(), tokens: TokenLimits = .init(), providers: [ProviderSettings], routes: [ModelRoute],
        store: StoreSettings? = nil
    ) {
        self.server = server
        self.tokens = tokens
        self.providers = providers
        self.routes = routes
        self.store = store
    }

    package func provider(named name: String) -> ProviderSettings? {
        providers.first { $0.name == name }
    }
}

/// How long a client connection may take at each stage, so that no client can hold a connection (and
/// its file descriptor) by sending slowly or not at all.
package struct ClientTimeouts: Sendable, Equatable {
    /// From the connection's start to a complete request head.
    package var header: Duration
    /// From the head to the request's last body byte.
    package var body: Duration
    /// From the end of a response to the next request's head (an idle keep-alive connection).
    package var idle: Duration

    package init(header: Duration = .seconds(10), body: Duration = .seconds(60), idle: Duration = .seconds(120)) {
        self.header = header
        self.body = body
        self.idle = idle
    }
}

/// How the proxy listens and guards its door.
package struct ServerSettings: Sendable, Equatable {
    /// Interface to bind. Loopback unless clients must present a key (see `defaultHost(apiKeys:)`).
    package var host: String
    package var port: Int
    /// Keys clients must send (`x-api-key` or `Authorization: Bearer`); empty means no check, unless a
    /// store holds managed keys.
    package var apiKeys: [String]
    /// Keys that may call the admin API (`/admin/…`: managed keys and usage); empty: no admin API.
    package var adminKeys: [String]
    package var logLevel: String
    /// Larger request bodies get a 413 `request_too_large`, as Anthropic's own 32 MB limit does.
    package var maxBodyBytes: Int
    /// Longest wait for the upstream's first byte, and longest silence between streamed bytes.
    /// A generation that keeps sending is never cut (the seed's single total timeout did that).
    package var upstreamTimeout: Duration
    package var connectTimeout: Duration
    /// On SIGTERM/SIGINT, how long streams in flight may go on before they are ended with an `error` event.
    package var shutdownGracePeriod: Duration
    /// A stream sends a `ping` event this often, so idle timers of the client and of proxies or load
    /// balancers in between do not cut it during a long silence (a big prompt's prefill).
    package var pingInterval: Duration
    /// Who may read `GET /metrics`.
    package var metrics: MetricsAccess
    /// How long a client may take to send a request, and to come back on a kept-alive connection.
    package var clientTimeouts: ClientTimeouts
    /// Client connections open at once; more are closed as they arrive.
    package var maxConnections: Int
    /// The event-loop threads, which also run the request handling (`server.threads`); nil: one per
    /// CPU the process may use.
    package var threads: Int?

    /// `server.metrics`.
    package enum MetricsAccess: String, Sendable, CaseIterable {
        /// Served; with `api_keys` configured, only to a client that sends one (Prometheus: `authorization`).
        case key
        /// Served to anyone who can reach the port, keys or not.
        case open
        /// Not served (404).
        case off
    }

    package init(
        host: String? = nil, port: Int = 8082, apiKeys: [String] = [], adminKeys: [String] = [], logLevel: String = "info",
        maxBodyBytes: Int = 32 * 1024 * 1024, upstreamTimeout: Duration = .seconds(90), connectTimeout: Duration = .seconds(10),
        shutdownGracePeriod: Duration = .seconds(10), pingInterval: Duration = .seconds(15), metrics: MetricsAccess = .key,
        clientTimeouts: ClientTimeouts = ClientTimeouts(), maxConnections: Int = ServerSettings.defaultMaxConnections, threads: Int? = nil
    ) {
        self.host = host ?? Self.defaultHost(apiKeys: apiKeys)
        self.port = port
        self.apiKeys = apiKeys
        self.adminKeys = adminKeys
        self.logLevel = logLevel
        self.maxBodyBytes = maxBodyBytes
        self.upstreamTimeout = upstreamTimeout
        self.connectTimeout = connectTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.pingInterval = pingInterval
        self.metrics = metrics
        self.clientTimeouts = clientTimeouts
        self.maxConnections = maxConnections
        self.threads = threads
    }

    /// Half the process's open-file limit, less a margin for everything else: each client connection may
    /// hold an upstream one, so the proxy refuses connections before it runs out of descriptors.
    package static let defaultMaxConnections: Int = {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return max(64, (Int(min(limit.rlim_cur, 1 << 20)) - 64) / 2)
    }()

    /// A proxy that holds provider keys but asks clients for none is only safe on loopback.
    package static func defaultHost(apiKeys: [String]) -> String {
        apiKeys.isEmpty ? "127.0.0.1" : "0.0.0.0"
    }

    /// Whether `host` only accepts connections from this machine: `localhost`, `127.0.0.0/8` or `::1`.
    package static func isLoopback(host: String) -> Bool {
        let name = host.lowercased()
        return name == "localhost" || name == "::1" || name == "[::1]" || name.hasPrefix("127.")
    }
}

/// The `max_tokens` rules and token estimation switch.
///
/// The defaults are config.yaml's: a client's positive `max_tokens` is sent as asked (capped at the
/// limits), since a client asking for 10 tokens wants a short answer or a cheap probe, not 1024. The
/// seed's environment variables keep the seed's documented raise (`MIN_TOKENS_LIMIT`, 100).
package struct TokenLimits: Sendable, Equatable {
    /// Upper clamp for every request (`limits.max_tokens`); nil: only translated upstreams are clamped,
    /// at ``translatedOutputCap``.
    package var maxTokensLimit: Int?
    /// Requests asking for fewer tokens than this get `defaultMaxTokens` instead; 0 raises none but
    /// those with no or a non-positive `max_tokens`.
    package var minTokensLimit: Int
    /// What a request gets when it asks for no, a non-positive, or (see `minTokensLimit`) too small a `max_tokens`.
    package var defaultMaxTokens: Int
    /// Estimate usage when the upstream reports none, so no response claims 0 input tokens.
    package var enableTokenEstimation: Bool
    /// Whether `max_tokens: 0` keeps Anthropic's meaning, read the prompt (warming its cache) and generate
    /// nothing, as config.yaml does; the seed's environment variables keep the seed's rule, 0 gets
    /// `defaultMaxTokens`.
    package var zeroGeneratesNothing: Bool

    /// The clamp of a translated upstream when `limits.max_tokens` is unset: the output cap of gpt-4o and
    /// gpt-4o-mini, the default models (the seed's 4096 silently truncates Claude Code's file writes). An
    /// upstream that speaks Anthropic's API takes what Anthropic's clients ask.
    package static let translatedOutputCap = 16384

    package init(
        maxTokensLimit: Int? = nil, minTokensLimit: Int = 0, defaultMaxTokens: Int = 1024, enableTokenEstimation: Bool = true,
        zeroGeneratesNothing: Bool = true
    ) {
        self.maxTokensLimit = maxTokensLimit
        self.minTokensLimit = minTokensLimit
        self.defaultMaxTokens = defaultMaxTokens
        self.enableTokenEstimation = enableTokenEstimation
        self.zeroGeneratesNothing = zeroGeneratesNothing
    }

    /// Whether a request asks for Anthropic's `max_tokens: 0`: an upstream that speaks Anthropic's API
    /// gets it as is, and the proxy answers it itself, with no generation, for any other.
    package func generatesNothing(requested: Int?) -> Bool {
        zeroGeneratesNothing && requested == 0
    }

    /// `max_tokens` for one target, decided here and nowhere else: the client's value, or the default when
    /// it is missing, ≤ 0 or below the minimum (when there is one); then capped at the smallest of the
    /// target's `max_output_tokens` (its route's, fallback's or profile model's) and `limits.max_tokens`
    /// — unset, ``translatedOutputCap`` for a translated upstream. An upstream that reads `max_tokens` as
    /// Anthropic does (`anthropicNative`) gets a 0 as is (see ``generatesNothing(requested:)``).
    package func upstreamMaxTokens(requested: Int?, modelCap: Int? = nil, anthropicNative: Bool = false) -> Int {
        if anthropicNative, generatesNothing(requested: requested) { return 0 }
        var value = requested ?? defaultMaxTokens
        if value <= 0 || value < minTokensLimit { value = defaultMaxTokens }
        let limit = maxTokensLimit ?? (anthropicNative ? nil : Self.translatedOutputCap)
        return min(value, modelCap ?? .max, limit ?? .max)
    }
}
