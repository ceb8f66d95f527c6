/// Reads a `.env` file the way python-dotenv does for the seed: `KEY=VALUE` lines, optional `export`,
/// single or double quotes, `#` comments. Variables already in the environment win over the file.
package enum DotEnv {
    package static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            var line = Substring(rawLine).drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop { $0 == " " } }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: " \t")
            guard !key.isEmpty else { continue }
            values[key] = value(String(line[line.index(after: equals)...]).trimmingCharacters(in: " \t"))
        }
        return values
    }

    private static func value(_ raw: String) -> String {
        if let quote = raw.first, quote == "\"" || quote == "'", let end = closingQuote(in: raw) {
            let inner = String(raw[raw.index(after: raw.startIndex)..<end])
            guard quote == "\"" else { return inner }
            return inner.replacingEscapes()
        }
        // Unquoted: a ` #` starts a comment.
        if let comment = raw.firstRange(of: " #") { return String(raw[..<comment.lowerBound]).trimmingCharacters(in: " \t") }
        return raw
    }
}

/// The index of the quote closing `raw`'s opening quote; inside double quotes `\"` does not close.
private func closingQuote(in raw: String) -> String.Index? {
    guard let quote = raw.first else { return nil }
    var escaped = false
    for index in raw.indices.dropFirst() {
        let character = raw[index]
        if escaped {
            escaped = false
        } else if character == "\\", quote == "\"" {
            escaped = true
        } else if character == quote {
            return index
        }
    }
    return nil
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice.removeFirst() }
        while let last = slice.last, characters.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

extension String {
    fileprivate func replacingEscapes() -> String {
        var result = ""
        var escaping = false
        for character in self {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
