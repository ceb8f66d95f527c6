/// One key an adapter reads from its provider's `options:` mapping, declared so that a config with a wrong
/// one fails at load with the key's `FILE:LINE:COL`, as the built-in keys do, instead of being ignored.
public struct AdapterOption: Sendable {
    /// The key under `options:`.
    public let key: String
    /// The values it takes, as the error for another value lists them (`true, false`; `a string`).
    public let expected: String
    /// Its value when the provider section does not set it; nil for none.
    public let defaultValue: JSONValue?
    /// Whether a provider section of the adapter's type must set it.
    public let isRequired: Bool
    private let check: @Sendable (JSONValue) -> Bool

    /// An option whose values `accepts` tells.
    public init(
        _ key: String, expected: String, default defaultValue: JSONValue? = nil, required: Bool = false,
        accepts: @escaping @Sendable (JSONValue) -> Bool
    ) {
        self.key = key
        self.expected = expected
        self.defaultValue = defaultValue
        isRequired = required
        check = accepts
    }

    /// Whether `value` is one of the values the option takes.
    public func accepts(_ value: JSONValue) -> Bool {
        check(value)
    }

    /// `true` or `false`.
    public static func flag(_ key: String, default defaultValue: Bool? = nil) -> AdapterOption {
        AdapterOption(key, expected: "true, false", default: defaultValue.map(JSONValue.bool)) { $0.boolValue != nil }
    }

    /// Any non-empty string.
    public static func string(_ key: String, default defaultValue: String? = nil, required: Bool = false) -> AdapterOption {
        AdapterOption(key, expected: "a string", default: defaultValue.map(JSONValue.string), required: required) {
            !($0.stringValue ?? "").isEmpty
        }
    }

    /// One of a few words.
    public static func choice(_ key: String, _ words: [String], default defaultValue: String? = nil) -> AdapterOption {
        AdapterOption(key, expected: words.joined(separator: ", "), default: defaultValue.map(JSONValue.string)) { value in
            value.stringValue.map(words.contains) ?? false
        }
    }
}

extension ProviderSettings {
    /// The configured value of a declared option, else its default.
    public func option(_ option: AdapterOption) -> JSONValue? {
        options[option.key] ?? option.defaultValue
    }
}
