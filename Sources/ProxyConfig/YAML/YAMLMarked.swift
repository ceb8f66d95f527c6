/// A value and where it was written, for a setting checked after decoding (a number's range, say) whose
/// problem must still point at its line.
struct YAMLMarked<Value: Decodable>: Decodable {
    var value: Value
    /// nil when decoded by something other than ``YAMLDecoder``.
    var mark: YAMLMark?

    init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Value.self)
        mark = decoder.yamlMark
    }
}

extension YAMLMarked where Value: Comparable {
    /// The value when it is at least `minimum` (and at most `maximum`, when given); otherwise nil, and a
    /// problem at its line naming the bound it crossed: `KEY must be at least MINIMUM UNIT, not VALUE (at
    /// PARENT.KEY)`, or `at most MAXIMUM`. A value that compares with nothing (NaN) is below any minimum.
    func atLeast(
        _ minimum: Value, atMost maximum: Value? = nil, key: String, in parent: String, unit: String = "", file: String,
        problems: inout YAMLProblems
    ) -> Value? {
        let bound: String
        if !(value >= minimum) {
            bound = "at least \(minimum)"
        } else if let maximum, value > maximum {
            bound = "at most \(maximum)"
        } else {
            return value
        }
        problems.append(
            YAMLError(file: file, mark: mark, path: "\(parent).\(key)", message: "\(key) must be \(bound)\(unit), not \(value)"))
        return nil
    }
}
