/// A location in the document as a list of keys and indices, rendered like `models[2].fallbacks[0].provider`.
///
/// The decoder identifies mapping nodes by their path: after aliases are expanded every path leads to
/// exactly one node, so the path is the identity the unknown-key check needs.
package struct YAMLPath: Sendable, Hashable, CustomStringConvertible {
    package enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    package var components: [Component]

    package init(_ components: [Component] = []) {
        self.components = components
    }

    package static let root = YAMLPath()

    package func appending(_ component: Component) -> YAMLPath {
        YAMLPath(components + [component])
    }

    /// `providers.openai.base_url`, `models[2].match`; keys that would be ambiguous are quoted:
    /// `providers["api.example.com"]`.
    package var description: String {
        var text = ""
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key):
                if Self.isBare(key) {
                    text += text.isEmpty ? key : ".\(key)"
                } else {
                    var escaped = ""
                    for character in key {
                        if character == "\\" || character == "\"" { escaped.append("\\") }
                        escaped.append(character)
                    }
                    text += "[\"\(escaped)\"]"
                }
            }
        }
        return text
    }

    private static func isBare(_ key: String) -> Bool {
        !key.isEmpty
            && key.unicodeScalars.allSatisfy { scalar in
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
            }
    }
}

extension YAMLPath {
    /// A path from a Swift coding path, for errors raised outside the YAML decoder; integer keys are indices.
    package init(codingPath: [any CodingKey]) {
        self.init(codingPath.map { key in key.intValue.map(Component.index) ?? .key(key.stringValue) })
    }

    /// The Swift coding path of this location, as `Decoder.codingPath` reports it.
    var codingPath: [any CodingKey] {
        components.map { component in
            switch component {
            case .key(let key): YAMLCodingKey(stringValue: key)
            case .index(let index): YAMLCodingKey(index: index)
            }
        }
    }
}

/// The coding key the decoder uses for mapping keys it did not get from the caller and for indices.
struct YAMLCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init?(intValue: Int) {
        self.init(index: intValue)
    }

    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }
}
