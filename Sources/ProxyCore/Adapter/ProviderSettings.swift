/// One configured provider: which adapter speaks to it and with what.
public struct ProviderSettings: Sendable, Equatable {
    /// The provider's name in config.yaml (`providers.NAME`), used in routes, logs and errors.
    public var name: String
    /// The adapter's `kind`: "openai", "azure", "ollama", or a registered custom one.
    public var type: String
    /// The service's base URL as configured (`base_url`).
    public var baseURL: String
    /// The configured key; nil when none is set (or its variable is unset).
    public var apiKey: String?
    /// Where the key was supposed to come from (e.g. `OPENAI_API_KEY`), for the error when it is missing.
    public var apiKeySource: String?
    /// A service API version (`api_version`; Azure's `api-version`).
    public var apiVersion: String?
    /// Extra headers for every request (`headers`, seed `CUSTOM_HEADER_*`); the proxy adds them.
    public var headers: [HTTPHeader]
    /// Upstream model name → deployment name (`deployments`; Azure).
    public var deployments: [String: String]
    /// Whether requests without a key are refused before they leave (`api_key_required`; nil: the adapter's default).
    public var apiKeyRequired: Bool?
    /// Send the key as `Authorization: Bearer` (`auth: bearer`) instead of the service's own header.
    public var bearerAuth: Bool
    /// Settings for the adapter alone (`options:`, a mapping), for adapters from other packages whose
    /// service needs more than the common keys: `settings.options["region"]?.stringValue`.
    public var options: JSONValue
    /// Every key of the provider's pool (`api_keys`), in order; empty or one key when there is no pool.
    /// The proxy builds one adapter per key, whose `apiKey` is that key, and spreads requests over them.
    package var keyPool: [String] = []
    /// A command whose standard output is the key (`token_command`: a short-lived token such as
    /// `gcloud auth print-access-token`); the proxy runs it when a request needs a key and none is fresh.
    package var tokenCommand: String?
    /// How long a token from `tokenCommand` is used before the command runs again (`token_lifetime`).
    package var tokenLifetime: Duration = .seconds(300)
    /// A Google service account's JSON key file (`service_account_file`): the key is an access token the
    /// proxy gets for it, and renews.
    package var serviceAccountFile: String?

    /// Where a key the proxy renews comes from (its command or its key file); nil for a configured key.
    package var renewedKeySource: String? {
        tokenCommand ?? serviceAccountFile.map { "service account " + $0 }
    }
    /// The chat-completions body and stream quirks (`providers/*.yaml` profiles set most of them).
    package var quirks: ProviderQuirks

    /// A provider's settings; config.yaml and the environment variables are the usual source.
    public init(
        name: String, type: String, baseURL: String, apiKey: String? = nil, apiKeySource: String? = nil,
        apiVersion: String? = nil, headers: [HTTPHeader] = [], deployments: [String: String] = [:],
        apiKeyRequired: Bool? = nil, bearerAuth: Bool = false, options: JSONValue = [:]
    ) {
        self.name = name
        self.type = type
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.apiKeySource = apiKeySource
        self.apiVersion = apiVersion
        self.headers = headers
        self.deployments = deployments
        self.apiKeyRequired = apiKeyRequired
        self.bearerAuth = bearerAuth
        self.options = options
        self.quirks = ProviderQuirks()
    }

    package init(
        name: String, type: String, baseURL: String, apiKey: String? = nil, apiKeySource: String? = nil,
        apiVersion: String? = nil, headers: [HTTPHeader] = [], deployments: [String: String] = [:],
        apiKeyRequired: Bool? = nil, bearerAuth: Bool = false, options: JSONValue = [:], quirks: ProviderQuirks
    ) {
        self.init(
            name: name, type: type, baseURL: baseURL, apiKey: apiKey, apiKeySource: apiKeySource, apiVersion: apiVersion,
            headers: headers, deployments: deployments, apiKeyRequired: apiKeyRequired, bearerAuth: bearerAuth, options: options
        )
        self.quirks = quirks
    }

    /// The key to send, or nil when there is none and none is required.
    ///
    /// A missing key fails here, when a request is routed to the provider, not at start-up: a proxy with
    /// several providers still serves the others (and a fallback takes over).
    /// - Parameter requiredByDefault: the adapter's `requiresAPIKey`; `api_key_required` overrides it.
    package func apiKey(requiredByDefault: Bool) throws(AnthropicError) -> String? {
        if let apiKey, !apiKey.isEmpty { return apiKey }
        guard apiKeyRequired ?? requiredByDefault else { return nil }
        let source = apiKeySource.map { "set \($0)" } ?? "set api_key in its config section"
        throw AnthropicError(.authentication, "provider '\(name)' has no API key configured: \(source)")
    }

    /// `{base_url}/v1{path}`, or `{base_url}{path}` when the base URL already ends in `/v1`: for services
    /// whose documented base is the host (Ollama, Anthropic-compatible servers) but that users often
    /// configure with `/v1`.
    public func url(underV1 path: String) -> String {
        let base = url(appending: "")
        return (base.hasSuffix("/v1") ? base : base + "/v1") + path
    }

    /// `baseURL` joined with `path` by exactly one slash (`https://h/v1/` + `/chat/completions`); with an
    /// empty `path`, the base URL without trailing slashes.
    public func url(appending path: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if path.isEmpty { return base }
        return path.hasPrefix("/") ? base + path : base + "/" + path
    }
}

/// A header name and value, kept in order.
public struct HTTPHeader: Sendable, Equatable {
    /// The field name; the proxy sends it as given.
    public var name: String
    /// The field value.
    public var value: String

    /// A header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
