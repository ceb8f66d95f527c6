/// A part of a document checked on its own, such as one provider section or one route: a problem in it
/// is recorded (unknown keys included) and decoding goes on with the next part, so one broken part hides
/// nothing in the others.
///
/// `value` is nil when anything in the part is wrong, for checks that would only add follow-on errors
/// (a provider section with `bse_url` is not also "missing base_url"); `decoded` keeps what did decode,
/// for checks that stay meaningful (a route's provider names, whatever is wrong in its `when`).
struct YAMLChecked<Value: Decodable>: Decodable {
    /// The part as far as it decoded: nil only when its decoding stopped (a required key missing, say).
    var decoded: Value?
    /// Whether the part has no problem at all.
    var isValid: Bool

    /// The part, when it has no problem.
    var value: Value? { isValid ? decoded : nil }

    init(from decoder: any Decoder) throws {
        guard let decoder = decoder as? YAMLNodeDecoder else {
            decoded = try Value(from: decoder)
            isValid = true
            return
        }
        (decoded, isValid) = decoder.checkedValue(Value.self)
    }
}
