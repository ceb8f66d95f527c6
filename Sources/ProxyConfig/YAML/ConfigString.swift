/// A string config value that remembers which `${VAR}`s it referenced without a value, and where it was
/// written, so a secret can be checked when it is needed rather than when the file is loaded.
///
/// An API key of a provider nobody routes to may be unset; the proxy reports
/// "config.yaml:9:14: environment variable 'AZURE_KEY' is not set" only when a request needs that key.
package struct ConfigString: Decodable, Sendable, Hashable {
    /// The text after substitution (missing variables are empty).
    package var value: String
    /// Variables referenced with `${VAR}` that were unset or empty and had no default.
    package var missingVariables: [String]
    /// Where the value was written; nil when decoded by something other than ``YAMLDecoder``.
    package var mark: YAMLMark?

    package init(value: String, missingVariables: [String] = [], mark: YAMLMark? = nil) {
        self.value = value
        self.missingVariables = missingVariables
        self.mark = mark
    }

    package init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
        missingVariables = decoder.yamlNode?.scalar?.missingVariables ?? []
        mark = decoder.yamlMark
    }

    /// Whether every referenced variable had a value.
    package var isComplete: Bool { missingVariables.isEmpty }
}
