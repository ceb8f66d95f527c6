/// The YAML 1.2 core schema: what a scalar means as null, a boolean or a number.
///
/// Typed decoding is driven by the Swift type (a `String` field accepts `8080`, an `Int` field accepts
/// `"8080"`), so these answer "can this text be read as X", not "what is this scalar's one type".
/// Null is the exception: only a plain, untagged scalar whose *source* is `null`, `Null`, `NULL`, `~`
/// or empty is null, so `api_key: ${OPENAI_API_KEY}` with the variable unset stays an (empty) string
/// that remembers the missing variable instead of silently becoming "no key".
extension YAMLScalar {
    private static let stringTag = "tag:yaml.org,2002:str"
    private static let nullTag = "tag:yaml.org,2002:null"

    /// Whether the scalar is an explicit `!!str`, which turns off every implicit reading.
    package var isExplicitString: Bool { tag == Self.stringTag }

    /// Whether the scalar means "no value".
    package var isNull: Bool {
        if tag == Self.nullTag { return true }
        guard style == .plain, tag == nil else { return false }
        switch source {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The boolean this scalar spells (`true`, `True`, `TRUE`, `false`, `False`, `FALSE`), if any.
    /// `yes`/`no`/`on`/`off` are YAML 1.1 and deliberately not booleans.
    package var boolValue: Bool? {
        guard !isExplicitString else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// The integer this scalar spells: decimal with optional sign, `0x` hex or `0o` octal.
    /// Returns nil when the text is not an integer or does not fit in 64 bits.
    package var integerValue: Int64? {
        guard !isExplicitString else { return nil }
        return Self.parseInteger(text)
    }

    /// Like ``integerValue`` but for values above `Int64.max`, for `UInt64` fields.
    package var unsignedIntegerValue: UInt64? {
        guard !isExplicitString else { return nil }
        var digits = Substring(text)
        if digits.first == "+" { digits = digits.dropFirst() }
        if digits.hasPrefix("0x") { return UInt64(digits.dropFirst(2), radix: 16) }
        if digits.hasPrefix("0o") { return UInt64(digits.dropFirst(2), radix: 8) }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        return UInt64(digits)
    }

    /// The floating-point number this scalar spells, including `.inf`, `-.inf` and `.nan`; integers count.
    package var doubleValue: Double? {
        guard !isExplicitString else { return nil }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        if let integer = Self.parseInteger(text) { return Double(integer) }
        guard Self.isCoreFloat(text) else { return nil }
        return Double(text)
    }

    private static func parseInteger(_ text: String) -> Int64? {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        let magnitude: UInt64?
        if digits.hasPrefix("0x") {
            let hex = digits.dropFirst(2)
            magnitude = hex.isEmpty || !hex.allSatisfy(\.isHexDigit) ? nil : UInt64(hex, radix: 16)
        } else if digits.hasPrefix("0o") {
            let octal = digits.dropFirst(2)
            magnitude = octal.isEmpty ? nil : UInt64(octal, radix: 8)
        } else {
            magnitude = digits.isEmpty || !digits.allSatisfy(\.isASCIIDigit) ? nil : UInt64(digits)
        }
        guard let magnitude else { return nil }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without a regex engine.
    private static func isCoreFloat(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        let integerDigits = rest.prefix(while: \.isASCIIDigit)
        rest = rest.dropFirst(integerDigits.count)
        var fractionDigits = Substring()
        if rest.first == "." {
            rest = rest.dropFirst()
            fractionDigits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(fractionDigits.count)
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return false }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
            let exponent = rest.prefix(while: \.isASCIIDigit)
            guard !exponent.isEmpty else { return false }
            rest = rest.dropFirst(exponent.count)
        }
        return rest.isEmpty
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
