/// Tool-call ids as Mistral accepts them: exactly nine letters and digits ("Tool call id was toolu_01…
/// but must be a-z, A-Z, 0-9, with a length of 9"). The mapping is a pure function of the id, so the
/// same Claude Code history maps the same way on every request; ids Mistral issued itself stay as they are.
package enum MistralToolID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    package static func id(for original: String) -> String {
        if original.count == 9, original.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) { return original }
        var value = SHA256.digest(Array(original.utf8)).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var id = ""
        for _ in 0..<9 {
            id.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return id
    }
}
