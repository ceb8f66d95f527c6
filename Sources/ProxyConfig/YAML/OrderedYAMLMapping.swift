/// A mapping decoded with its keys in document order and each key's mark, for sections where order
/// means something (providers are tried and listed in the order written) and `[String: Value]` would
/// lose it.
package struct OrderedYAMLMapping<Value: Decodable>: Decodable {
    package struct Entry {
        package var key: String
        /// Where the key was written; nil when decoded by something other than ``YAMLDecoder``.
        package var keyMark: YAMLMark?
        package var value: Value
    }

    package var entries: [Entry]

    package init(entries: [Entry]) {
        self.entries = entries
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: YAMLCodingKey.self)
        var marks: [String: YAMLMark] = [:]
        if case .mapping(let nodeEntries)? = decoder.yamlNode?.value {
            for entry in nodeEntries { marks[entry.key] = entry.keyMark }
        }
        entries = try container.allKeys.map { key in
            Entry(key: key.stringValue, keyMark: marks[key.stringValue], value: try container.decode(Value.self, forKey: key))
        }
    }

    package var keys: [String] { entries.map(\.key) }
    package var values: [Value] { entries.map(\.value) }
    package var isEmpty: Bool { entries.isEmpty }
    package var count: Int { entries.count }

    /// The value for `key` (a linear search: config mappings are small).
    package subscript(key: String) -> Value? {
        entries.first { $0.key == key }?.value
    }
}

extension OrderedYAMLMapping.Entry: Sendable where Value: Sendable {}
extension OrderedYAMLMapping.Entry: Equatable where Value: Equatable {}
extension OrderedYAMLMapping: Sendable where Value: Sendable {}
extension OrderedYAMLMapping: Equatable where Value: Equatable {}
