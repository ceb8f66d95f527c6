/// A setting that takes one value or a list of them: `request_class: compaction` and
/// `request_class: [compaction, summary-extraction]` both decode, as a list.
struct YAMLOneOrMore<Element: Decodable>: Decodable {
    var values: [Element]

    init(from decoder: any Decoder) throws {
        if (try? decoder.unkeyedContainer()) != nil {
            values = try [Element](from: decoder)
        } else {
            values = [try Element(from: decoder)]
        }
    }
}
