import ProxyCore

/// One provider as written in config.yaml, or as a profile in `providers/NAME.yaml` (same keys). Every
/// key is optional here: a section may take most of them from its `profile`, and `merged(over:)`
/// combines the two before `settings` checks that what is required is present.
struct ProviderSection: Decodable {
    var profile: ConfigString?
    var type: ConfigString?
    var baseURL: ConfigString?
    var apiKey: ConfigString?
    var apiKeyRequired: Bool?
    var auth: ConfigString?
    var apiVersion: String?
    var deployments: [String: String]?
    var headers: OrderedYAMLMapping<String>?
    var maxTokensField: ConfigString?
    var reasoningEffort: ConfigString?
    var streamUsage: Bool?
    var parallelToolCalls: Bool?
    var reasoningPassback: ConfigString?
    var schemaDialect: ConfigString?
    var models: [String: ModelSection]?
    var extraBody: YAMLNode?
    var sendUser: Bool?
    var midSystem: ConfigString?
    var mergeConsecutiveUsers: Bool?
    var toolIDFormat: ConfigString?
    var thinkTags: Bool?
    var toolArgs: ConfigString?
    var userAfterTool: ConfigString?

    struct ModelSection: Decodable {
        var maxOutputTokens: Int?

        enum CodingKeys: String, CodingKey {
            case maxOutputTokens = "max_output_tokens"
        }
    }

    enum CodingKeys: String, CodingKey {
        case profile, type
        case baseURL = "base_url"
        case apiKey = "api_key"
        case apiKeyRequired = "api_key_required"
        case auth
        case apiVersion = "api_version"
        case deployments, headers
        case maxTokensField = "max_tokens_field"
        case reasoningEffort = "reasoning_effort"
        case streamUsage = "stream_usage"
        case parallelToolCalls = "parallel_tool_calls"
        case reasoningPassback = "reasoning_passback"
        case schemaDialect = "schema_dialect"
        case models
        case extraBody = "extra_body"
        case sendUser = "send_user"
        case midSystem = "mid_system"
        case mergeConsecutiveUsers = "merge_consecutive_users"
        case toolIDFormat = "tool_id_format"
        case thinkTags = "think_tags"
        case toolArgs = "tool_args"
        case userAfterTool = "user_after_tool"
    }

    /// This section's keys over `profile`'s: any field set here wins; maps are merged key by key.
    func merged(over profile: ProviderSection) -> ProviderSection {
        var result = profile
        result.profile = self.profile
        result.type = type ?? profile.type
        result.baseURL = baseURL ?? profile.baseURL
        result.apiKey = apiKey ?? profile.apiKey
        result.apiKeyRequired = apiKeyRequired ?? profile.apiKeyRequired
        result.auth = auth ?? profile.auth
        result.apiVersion = apiVersion ?? profile.apiVersion
        result.deployments = (profile.deployments ?? [:]).merging(deployments ?? [:]) { _, own in own }
        if let headers {
            let own = Set(headers.keys)
            result.headers = OrderedYAMLMapping(entries: (profile.headers?.entries ?? []).filter { !own.contains($0.key) } + headers.entries)
        }
        result.maxTokensField = maxTokensField ?? profile.maxTokensField
        result.reasoningEffort = reasoningEffort ?? profile.reasoningEffort
        result.streamUsage = streamUsage ?? profile.streamUsage
        result.parallelToolCalls = parallelToolCalls ?? profile.parallelToolCalls
        result.reasoningPassback = reasoningPassback ?? profile.reasoningPassback
        result.schemaDialect = schemaDialect ?? profile.schemaDialect
        result.models = (profile.models ?? [:]).merging(models ?? [:]) { _, own in own }
        result.extraBody = extraBody ?? profile.extraBody
        result.sendUser = sendUser ?? profile.sendUser
        result.midSystem = midSystem ?? profile.midSystem
        result.mergeConsecutiveUsers = mergeConsecutiveUsers ?? profile.mergeConsecutiveUsers
        result.toolIDFormat = toolIDFormat ?? profile.toolIDFormat
        result.thinkTags = thinkTags ?? profile.thinkTags
        result.toolArgs = toolArgs ?? profile.toolArgs
        result.userAfterTool = userAfterTool ?? profile.userAfterTool
        return result
    }

    /// The settings of provider `name` (written at `mark`), checked: required keys present, enumerations valid.
    func settings(name: String, mark: YAMLMark?, file: String, knownTypes: Set<String>) throws(YAMLError) -> ProviderSettings {
        let path = "providers.\(name)"
        guard let type else {
            throw YAMLError(file: file, mark: mark, path: path, message: "missing required key 'type' (or a 'profile' that sets it)")
        }
        guard knownTypes.contains(type.value) else {
            throw YAMLError(
                file: file, mark: type.mark, path: "\(path).type",
                message: "unknown provider type '\(type.value)'; expected one of: \(knownTypes.sorted().joined(separator: ", "))"
            )
        }
        guard let baseURL else {
            throw YAMLError(file: file, mark: mark, path: path, message: "missing required key 'base_url' (or a 'profile' that sets it)")
        }
        guard baseURL.value.hasPrefix("http://") || baseURL.value.hasPrefix("https://") else {
            throw YAMLError(
                file: file, mark: baseURL.mark, path: "\(path).base_url",
                message: "base_url must start with http:// or https://, not '\(baseURL.value)'"
            )
        }
        let key = apiKey.flatMap { $0.isComplete && !$0.value.isEmpty ? $0.value : nil }
        let source = apiKey.map { key in
            key.missingVariables.isEmpty ? "api_key in \(file)" : key.missingVariables.joined(separator: ", ") + " (used by api_key in \(file))"
        }
        let bearer = try Self.oneOf(["api-key", "bearer"], auth, path: "\(path).auth", file: file) == "bearer"
        return ProviderSettings(
            name: name, type: type.value, baseURL: baseURL.value, apiKey: key, apiKeySource: source, apiVersion: apiVersion,
            headers: headers?.entries.map { HTTPHeader($0.key, $0.value) } ?? [], deployments: deployments ?? [:],
            apiKeyRequired: apiKeyRequired, bearerAuth: bearer, quirks: try quirks(path: path, file: file)
        )
    }

    private func quirks(path: String, file: String) throws(YAMLError) -> ProviderQuirks {
        var quirks = ProviderQuirks()
        quirks.maxTokensField = try Self.choice(maxTokensField, path: "\(path).max_tokens_field", file: file) ?? quirks.maxTokensField
        quirks.reasoningEffort = try Self.choice(reasoningEffort, path: "\(path).reasoning_effort", file: file) ?? quirks.reasoningEffort
        quirks.schemaDialect = try Self.choice(schemaDialect, path: "\(path).schema_dialect", file: file) ?? quirks.schemaDialect
        quirks.streamUsage = streamUsage ?? quirks.streamUsage
        quirks.parallelToolCalls = parallelToolCalls ?? quirks.parallelToolCalls
        quirks.sendUser = sendUser ?? quirks.sendUser
        quirks.midSystem = try Self.choice(midSystem, path: "\(path).mid_system", file: file) ?? quirks.midSystem
        quirks.mergeConsecutiveUsers = mergeConsecutiveUsers
        quirks.toolIDFormat = try Self.choice(toolIDFormat, path: "\(path).tool_id_format", file: file) ?? quirks.toolIDFormat
        quirks.thinkTags = thinkTags ?? quirks.thinkTags
        quirks.bufferToolArguments = try Self.oneOf(["stream", "buffer"], toolArgs, path: "\(path).tool_args", file: file) == "buffer"
        quirks.bridgeUserAfterTool = try Self.oneOf(["allow", "bridge"], userAfterTool, path: "\(path).user_after_tool", file: file) == "bridge"
        let passback = try Self.oneOf(["reasoning_content", "reasoning", "none"], reasoningPassback, path: "\(path).reasoning_passback", file: file)
        if let passback { quirks.reasoningPassback = passback == "none" ? nil : passback }
        quirks.maxOutputTokens = (models ?? [:]).compactMapValues(\.maxOutputTokens)
        if let extraBody {
            guard case .object(let members) = extraBody.jsonValue else {
                throw YAMLError(file: file, mark: extraBody.mark, path: "\(path).extra_body", message: "extra_body must be a mapping")
            }
            quirks.extraBody = members
        }
        return quirks
    }

    /// The value when it is one of `allowed` (nil when unset); an error naming the choices otherwise.
    private static func oneOf(_ allowed: [String], _ value: ConfigString?, path: String, file: String) throws(YAMLError) -> String? {
        guard let value else { return nil }
        guard allowed.contains(value.value) else {
            throw YAMLError(
                file: file, mark: value.mark, path: path, message: "expected one of: \(allowed.joined(separator: ", ")); found '\(value.value)'"
            )
        }
        return value.value
    }

    private static func choice<Choice: RawRepresentable & CaseIterable>(
        _ value: ConfigString?, path: String, file: String
    ) throws(YAMLError) -> Choice? where Choice.RawValue == String {
        guard let value else { return nil }
        guard let choice = Choice(rawValue: value.value) else {
            let expected = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw YAMLError(file: file, mark: value.mark, path: path, message: "expected one of: \(expected); found '\(value.value)'")
        }
        return choice
    }
}
