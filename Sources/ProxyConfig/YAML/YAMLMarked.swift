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
    /// The value when it is at least `minimum`; otherwise nil, and a problem at its line:
    /// `KEY must be at least MINIMUM UNIT, not VALUE (at PARENT.KEY)`.
    func atLeast(_ minimum: Value, key: String, in parent: String, unit: String = "", file: String, problems: inout YAMLProblems) -> Value?
    {
        guard value >= minimum else {
            problems.append(
                YAMLError(
                    file: file, mark: mark, path: "\(parent).\(key)", message: "\(key) must be at least \(minimum)\(unit), not \(value)"))
            return nil
        }
        return value
    }
}
