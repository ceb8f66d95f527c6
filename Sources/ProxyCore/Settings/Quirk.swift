/// One provider quirk, declared once: its config key, the values it takes, its default, and how a
/// provider section's value combines with its profile's. `ProviderQuirks` holds the configured values;
/// `Quirks.all` lists the declarations the config file accepts.
package struct Quirk<Value: Sendable>: AnyQuirk {
    package let key: String
    package let defaultValue: Value
    package let expected: String
    package let mergesKeys: Bool
    private let read: @Sendable (JSONValue) -> Value?

    /// - Parameters:
    ///   - expected: the values the config may give, as the error for another value lists them.
    ///   - mergesKeys: a mapping whose keys merge with the profile's (own keys win) instead of replacing it.
    ///   - read: the quirk's value for a configured one; nil when it is not one of `expected`.
    package init(
        _ key: String, default defaultValue: Value, expected: String, mergesKeys: Bool = false,
        read: @escaping @Sendable (JSONValue) -> Value?
    ) {
        self.key = key
        self.defaultValue = defaultValue
        self.expected = expected
        self.mergesKeys = mergesKeys
        self.read = read
    }

    /// The quirk's value for a configured one; nil when it is not one of `expected`.
    package func value(from configured: JSONValue) -> Value? {
        read(configured)
    }

    package func accepts(_ configured: JSONValue) -> Bool {
        read(configured) != nil
    }
}

extension Quirk where Value == Bool {
    /// `true` or `false`.
    package static func flag(_ key: String, default defaultValue: Bool) -> Quirk {
        Quirk(key, default: defaultValue, expected: "true, false") { $0.boolValue }
    }
}

extension Quirk {
    /// One of a few words, each standing for a value (`tool_args: stream | buffer`).
    package static func choice(_ key: String, _ words: KeyValuePairs<String, Value>, default defaultValue: Value) -> Quirk {
        let table = Array(words)
        return Quirk(key, default: defaultValue, expected: table.map(\.key).joined(separator: ", ")) { configured in
            configured.stringValue.flatMap { word in table.first { $0.key == word }?.value }
        }
    }
}

extension Quirk where Value == [String] {
    /// A list of strings (field or block names); empty by default.
    package static func names(_ key: String, expected: String) -> Quirk {
        Quirk(key, default: [], expected: expected) { configured in
            guard let names = configured.arrayValue else { return nil }
            let strings = names.compactMap(\.stringValue)
            return strings.count == names.count ? strings : nil
        }
    }
}

extension Quirk where Value == Bool? {
    /// `true` or `false`, or unset (nil: the adapter decides).
    package static func optionalFlag(_ key: String) -> Quirk {
        Quirk(key, default: nil, expected: "true, false") { configured in configured.boolValue.map { Optional($0) } }
    }
}

extension Quirk where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enumeration's raw values.
    package static func option(_ key: String, default defaultValue: Value) -> Quirk {
        let expected = Value.allCases.map(\.rawValue).joined(separator: ", ")
        return Quirk(key, default: defaultValue, expected: expected) { $0.stringValue.flatMap(Value.init(rawValue:)) }
    }
}

/// A quirk declaration with its value type erased, for the config file's checks.
package protocol AnyQuirk: Sendable {
    /// The config key (`think_tags`).
    var key: String { get }
    /// The values the config may give, for the error message.
    var expected: String { get }
    /// Whether a section's mapping merges with its profile's key by key.
    var mergesKeys: Bool { get }
    /// Whether `configured` is one of the values this quirk takes.
    func accepts(_ configured: JSONValue) -> Bool
}

/// A provider's configured quirks, as written in config.yaml or its profile; unset ones read as their
/// declaration's default.
package struct ProviderQuirks: Sendable, Equatable {
    /// The configured values by key, each already checked against its declaration by the config loader.
    package private(set) var configured: [String: JSONValue]

    /// - Parameter configured: values by config key (`["tool_args": "buffer"]`); one a declaration does
    ///   not accept reads as the default.
    package init(_ configured: [String: JSONValue] = [:]) {
        self.configured = configured
    }

    /// The quirk's value: the configured one, else its default.
    package subscript<Value>(_ quirk: Quirk<Value>) -> Value {
        configured[quirk.key].flatMap(quirk.value(from:)) ?? quirk.defaultValue
    }
}
