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
