import ProxyCore

/// One provider as written in config.yaml, or as a profile in `providers/NAME.yaml` (same keys). Every
/// key is optional here: a section may take most of them from its `profile`, and `merged(over:)`
/// combines the two before `settings` checks that what is required is present.
struct ProviderSection: Decodable {
    var profile: ConfigString?
    var type: ConfigString?
    var baseURL: ConfigString?
    var apiKey: ConfigString?
    /// A key pool: several keys of the same service, which requests spread over.
    var apiKeys: [ConfigString]?
    /// A command whose output is the key (a short-lived token), run when one is needed.
    var tokenCommand: ConfigString?
    /// How long a token from `tokenCommand` is used, in seconds.
    var tokenLifetime: YAMLMarked<Double>?
    /// A Google service account's key file, whose access tokens the proxy gets and renews.
    var serviceAccountFile: ConfigString?
    var apiKeyRequired: Bool?
    var auth: ConfigString?
    var apiVersion: String?
    var deployments: [String: String]?
    var headers: OrderedYAMLMapping<String>?
    /// The adapter's own settings, passed on as JSON.
    var options: YAMLNode?
    /// The quirk keys that are set (any of `Quirks.all`), as written; checked by `settings`.
    var quirks: [String: YAMLNode] = [:]

    enum CodingKeys: String, CodingKey {
        case profile, type
        case baseURL = "base_url"
        case apiKey = "api_key"
        case apiKeys = "api_keys"
        case tokenCommand = "token_command"
        case tokenLifetime = "token_lifetime"
        case serviceAccountFile = "service_account_file"
        case apiKeyRequired = "api_key_required"
        case auth
        case apiVersion = "api_version"
        case deployments, headers, options
    }

    /// A quirk's key, looked up by name.
    private struct QuirkKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        profile = try container.decodeIfPresent(ConfigString.self, forKey: .profile)
        type = try container.decodeIfPresent(ConfigString.self, forKey: .type)
        baseURL = try container.decodeIfPresent(ConfigString.self, forKey: .baseURL)
        apiKey = try container.decodeIfPresent(ConfigString.self, forKey: .apiKey)
        apiKeys = try container.decodeIfPresent([ConfigString].self, forKey: .apiKeys)
        tokenCommand = try container.decodeIfPresent(ConfigString.self, forKey: .tokenCommand)
        tokenLifetime = try container.decodeIfPresent(YAMLMarked<Double>.self, forKey: .tokenLifetime)
        serviceAccountFile = try container.decodeIfPresent(ConfigString.self, forKey: .serviceAccountFile)
        apiKeyRequired = try container.decodeIfPresent(Bool.self, forKey: .apiKeyRequired)
        auth = try container.decodeIfPresent(ConfigString.self, forKey: .auth)
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        deployments = try container.decodeIfPresent([String: String].self, forKey: .deployments)
        headers = try container.decodeIfPresent(OrderedYAMLMapping<String>.self, forKey: .headers)
        options = try container.decodeIfPresent(YAMLNode.self, forKey: .options)
        let quirkValues = try decoder.container(keyedBy: QuirkKey.self)
        for quirk in Quirks.all {
            if let node = try quirkValues.decodeIfPresent(YAMLNode.self, forKey: QuirkKey(stringValue: quirk.key)) {
                quirks[quirk.key] = node
            }
        }
    }

    /// This section's keys over `profile`'s: any field set here wins; maps are merged key by key.
    func merged(over profile: ProviderSection) -> ProviderSection {
        var result = profile
        result.profile = self.profile
        result.type = type ?? profile.type
        result.baseURL = baseURL ?? profile.baseURL
        // A section's own key, pool, command or key file replaces the profile's.
        if apiKey != nil || apiKeys != nil || tokenCommand != nil || serviceAccountFile != nil {
            result.apiKey = apiKey
            result.apiKeys = apiKeys
            result.tokenCommand = tokenCommand
            result.serviceAccountFile = serviceAccountFile
        }
        result.tokenLifetime = tokenLifetime ?? profile.tokenLifetime
        result.apiKeyRequired = apiKeyRequired ?? profile.apiKeyRequired
        result.auth = auth ?? profile.auth
        result.apiVersion = apiVersion ?? profile.apiVersion
        result.deployments = (profile.deployments ?? [:]).merging(deployments ?? [:]) { _, own in own }
        if let headers {
            let own = Set(headers.keys)
            result.headers = OrderedYAMLMapping(
                entries: (profile.headers?.entries ?? []).filter { !own.contains($0.key) } + headers.entries)
        }
        if let options {
            result.options = profile.options.flatMap(options.mergingKeys(over:)) ?? options
        }
        for quirk in Quirks.all {
            guard let own = quirks[quirk.key] else { continue }
            if quirk.mergesKeys, let inherited = profile.quirks[quirk.key], let merged = own.mergingKeys(over: inherited) {
                result.quirks[quirk.key] = merged
            } else {
                result.quirks[quirk.key] = own
            }
        }
        return result
    }

    /// The settings of provider `name` (written at `mark`), checked: required keys present, enumerations
    /// valid. nil when anything is wrong; each problem is added to `problems`.
    func settings(
        name: String, mark: YAMLMark?, file: String, registry: AdapterRegistry, problems: inout YAMLProblems
    ) -> ProviderSettings? {
        let path = "providers.\(name)"
        var own = YAMLProblems()
        let type = own.check { () throws(YAMLError) in try checkedType(path: path, mark: mark, file: file, knownTypes: registry.kinds) }
        let baseURL = own.check { () throws(YAMLError) in try checkedBaseURL(path: path, mark: mark, file: file) }
        let bearer = own.check { () throws(YAMLError) in
            try Self.oneOf(["api-key", "bearer"], auth, path: "\(path).auth", file: file) == "bearer"
        }
        let options = own.check { () throws(YAMLError) in try checkedOptions(path: path, file: file) }
        let keys = own.check { () throws(YAMLError) in try checkedKeys(path: path, mark: mark, file: file) }
        let lifetime = tokenLifetime?.atLeast(
            1, atMost: 86_400, key: "token_lifetime", in: path, unit: " seconds", file: file, problems: &own)
        let quirks = checkedQuirks(path: path, file: file, problems: &own)
        if let type, let declared = registry.options(forKind: type) {
            checkDeclaredOptions(declared, type: type, path: path, mark: mark, file: file, problems: &own)
        }
        problems.append(contentsOf: own)
        guard own.isEmpty, let type, let baseURL, let bearer, let options, let keys else { return nil }
        let usable = keys.filter { $0.isComplete && !$0.value.isEmpty }.map(\.value)
        let pool = usable.reduce(into: [String]()) { pool, key in if !pool.contains(key) { pool.append(key) } }
        let keyName = apiKeys == nil ? "api_key" : "api_keys"
        let missing = keys.flatMap(\.missingVariables)
        let source =
            keys.isEmpty
            ? nil : missing.isEmpty ? "\(keyName) in \(file)" : missing.joined(separator: ", ") + " (used by \(keyName) in \(file))"
        var settings = ProviderSettings(
            name: name, type: type, baseURL: baseURL, apiKey: pool.first, apiKeySource: source, apiVersion: apiVersion,
            headers: headers?.entries.map { HTTPHeader($0.key, $0.value) } ?? [], deployments: deployments ?? [:],
            apiKeyRequired: apiKeyRequired, bearerAuth: bearer, options: options, quirks: quirks
        )
        settings.keyPool = pool
        settings.tokenCommand = tokenCommand?.value
        settings.serviceAccountFile = serviceAccountFile?.value
        if let lifetime { settings.tokenLifetime = ConfigDocument.duration(seconds: lifetime) }
        return settings
    }

    /// The key (`api_key`) or the pool (`api_keys`, not empty) as written; at most one of them.
    private func checkedKeys(path: String, mark: YAMLMark?, file: String) throws(YAMLError) -> [ConfigString] {
        let sources = [
            ("api_key", apiKey), ("api_keys", apiKeys?.first), ("token_command", tokenCommand),
            ("service_account_file", serviceAccountFile),
        ]
        .filter { $0.1 != nil }
        if sources.count > 1, tokenCommand != nil || serviceAccountFile != nil, let second = sources.last {
            throw YAMLError(
                file: file, mark: second.1?.mark, path: "\(path).\(second.0)",
                message:
                    "set one of api_key, api_keys, token_command, service_account_file, not \(sources.map(\.0).joined(separator: " and "))")
        }
        switch (apiKey, apiKeys) {
        case (let key?, nil): return [key]
        case (nil, let pool?):
            guard !pool.isEmpty else {
                throw YAMLError(file: file, mark: mark, path: "\(path).api_keys", message: "api_keys must list at least one key")
            }
            return pool
        case (nil, nil): return []
        case (let key?, _?):
            throw YAMLError(
                file: file, mark: key.mark, path: "\(path).api_key",
                message: "set either api_key (one key) or api_keys (a pool), not both")
        }
    }

    /// `type`, which must name a registered adapter.
    private func checkedType(path: String, mark: YAMLMark?, file: String, knownTypes: Set<String>) throws(YAMLError) -> String {
        guard let type else {
            throw YAMLError(file: file, mark: mark, path: path, message: "missing required key 'type' (or a 'profile' that sets it)")
        }
        guard knownTypes.contains(type.value) else {
            throw YAMLError(
                file: file, mark: type.mark, path: "\(path).type",
                message: "unknown provider type '\(type.value)'; expected one of: \(knownTypes.sorted().joined(separator: ", "))"
            )
        }
        return type.value
    }

    /// `base_url`, which must be an http or https URL.
    private func checkedBaseURL(path: String, mark: YAMLMark?, file: String) throws(YAMLError) -> String {
        guard let baseURL else {
            throw YAMLError(file: file, mark: mark, path: path, message: "missing required key 'base_url' (or a 'profile' that sets it)")
        }
        guard baseURL.value.hasPrefix("http://") || baseURL.value.hasPrefix("https://") else {
            throw YAMLError(
                file: file, mark: baseURL.mark, path: "\(path).base_url",
                message: "base_url must start with http:// or https://, not '\(baseURL.value)'"
            )
        }
        return baseURL.value
    }

    /// `options`, which must be a mapping.
    private func checkedOptions(path: String, file: String) throws(YAMLError) -> JSONValue {
        guard let options else { return [:] }
        guard case .object = options.jsonValue else {
            throw YAMLError(file: file, mark: options.mark, path: "\(path).options", message: "options must be a mapping")
        }
        return options.jsonValue
    }

    /// Each key under `options:` checked against the options the type's adapter declares.
    private func checkDeclaredOptions(
        _ declared: [AdapterOption], type: String, path: String, mark: YAMLMark?, file: String, problems: inout YAMLProblems
    ) {
        var entries: [YAMLMappingEntry] = []
        if case .mapping(let configured)? = options?.value { entries = configured }
        for option in declared where option.isRequired && !entries.contains(where: { $0.key == option.key }) {
            problems.append(
                YAMLError(
                    file: file, mark: options?.mark ?? mark, path: "\(path).options",
                    message: "type \(type) needs options.\(option.key) (\(option.expected))"))
        }
        for entry in entries {
            let optionPath = "\(path).options.\(entry.key)"
            guard let option = declared.first(where: { $0.key == entry.key }) else {
                let known = declared.isEmpty ? "type \(type) takes none" : "expected one of: " + declared.map(\.key).joined(separator: ", ")
                problems.append(
                    YAMLError(file: file, mark: entry.keyMark, path: optionPath, message: "unknown option '\(entry.key)'; \(known)"))
                continue
            }
            let value = entry.value.jsonValue
            if !option.accepts(value) {
                let found = value.stringValue.map { "'\($0)'" } ?? value.typeDescription
                problems.append(
                    YAMLError(file: file, mark: entry.value.mark, path: optionPath, message: "expected \(option.expected); found \(found)"))
            }
        }
    }

    /// The configured quirks, each checked against its declaration (a wrong one is added to `problems`).
    private func checkedQuirks(path: String, file: String, problems: inout YAMLProblems) -> ProviderQuirks {
        var values: [String: JSONValue] = [:]
        for quirk in Quirks.all {
            guard let node = quirks[quirk.key] else { continue }
            let value = node.jsonValue
            guard quirk.accepts(value) else {
                let found = value.stringValue.map { "'\($0)'" } ?? value.typeDescription
                problems.append(
                    YAMLError(
                        file: file, mark: node.mark, path: "\(path).\(quirk.key)",
                        message: "expected one of: \(quirk.expected); found \(found)"
                    ))
                continue
            }
            values[quirk.key] = value
        }
        return ProviderQuirks(values)
    }

    /// The value when it is one of `allowed` (nil when unset); an error naming the choices otherwise.
    private static func oneOf(_ allowed: [String], _ value: ConfigString?, path: String, file: String) throws(YAMLError) -> String? {
        guard let value else { return nil }
        guard allowed.contains(value.value) else {
            throw YAMLError(
                file: file, mark: value.mark, path: path,
                message: "expected one of: \(allowed.joined(separator: ", ")); found '\(value.value)'"
            )
        }
        return value.value
    }
}

extension YAMLNode {
    /// This mapping's entries over `inherited`'s (own keys win), or nil when either is not a mapping.
    fileprivate func mergingKeys(over inherited: YAMLNode) -> YAMLNode? {
        guard case .mapping(let own) = value, case .mapping(let base) = inherited.value else { return nil }
        let ownKeys = Set(own.map(\.key))
        return YAMLNode(mark: mark, value: .mapping(base.filter { !ownKeys.contains($0.key) } + own))
    }
}
