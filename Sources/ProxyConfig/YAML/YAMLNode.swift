/// One node of a parsed document, with the mark it starts at so decoding errors can point at it.
///
/// Aliases are already expanded and merge keys (`<<`) already applied, so consumers see plain trees.
package struct YAMLNode: Sendable, Equatable {
    package enum Value: Sendable, Equatable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Entries in document order; keys are unique (duplicates are rejected while parsing).
        case mapping([YAMLMappingEntry])
    }

    package var mark: YAMLMark
    package var value: Value

    package init(mark: YAMLMark, value: Value) {
        self.mark = mark
        self.value = value
    }

    /// The scalar, when this node is one.
    package var scalar: YAMLScalar? {
        if case .scalar(let scalar) = value { return scalar }
        return nil
    }

    /// The value for `key` when this node is a mapping holding it.
    package subscript(key: String) -> YAMLNode? {
        guard case .mapping(let entries) = value else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The element at `index` when this node is a sequence long enough.
    package subscript(index: Int) -> YAMLNode? {
        guard case .sequence(let elements) = value, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// How error messages name what was found instead of what was expected ("a sequence", "'abc'").
    package var kindDescription: String {
        switch value {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar(let scalar):
            if scalar.isNull {
                return scalar.source.isEmpty ? "an empty value" : "null"
            }
            if scalar.text.isEmpty {
                if !scalar.missingVariables.isEmpty {
                    let names = scalar.missingVariables.map { "'\($0)'" }.joined(separator: ", ")
                    let noun = scalar.missingVariables.count == 1 ? "variable" : "variables"
                    return "an empty string (environment \(noun) \(names) not set)"
                }
                return "an empty string"
            }
            let limit = 60
            let shown = scalar.text.count > limit ? String(scalar.text.prefix(limit)) + "…" : scalar.text
            return "'\(shown)'"
        }
    }
}

/// A mapping key with its own mark (where "unknown key" and "duplicate key" errors point) and its value.
package struct YAMLMappingEntry: Sendable, Equatable {
    /// The key's text as written; `${VAR}` in keys is not substituted.
    package var key: String
    package var keyMark: YAMLMark
    package var value: YAMLNode

    package init(key: String, keyMark: YAMLMark, value: YAMLNode) {
        self.key = key
        self.keyMark = keyMark
        self.value = value
    }
}
