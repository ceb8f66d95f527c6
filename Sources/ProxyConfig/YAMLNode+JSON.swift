import ProxyCore

extension YAMLNode {
    /// The node as JSON, for config values passed through to upstream bodies (`extra_body`). Plain scalars
    /// resolve as YAML 1.2 core does (null, booleans, numbers); quoted ones stay strings.
    var jsonValue: JSONValue {
        switch value {
        case .scalar(let scalar):
            guard scalar.style == .plain, !scalar.isExplicitString else { return .string(scalar.text) }
            if scalar.isNull { return .null }
            if let flag = scalar.boolValue { return .bool(flag) }
            if let integer = scalar.integerValue { return .integer(integer) }
            if let double = scalar.doubleValue { return .double(double) }
            return .string(scalar.text)
        case .sequence(let nodes):
            return .array(nodes.map(\.jsonValue))
        case .mapping(let entries):
            return .object(entries.map { (key: $0.key, value: $0.value.jsonValue) })
        }
    }
}
