/// Token counts for when the upstream reports none, by the seed's method: about 4 characters per token
/// for English, 1.2 for Chinese/Japanese/Korean, 2.5 for mixed text, plus per-message overhead.
package enum TokenEstimator {
    static let perMessageOverhead = 4
    static let perRequestOverhead = 3
    static let perImage = 1000

    package static func estimate(text: String) -> Int {
        var tally = TextTally()
        tally.add(text)
        return tally.tokens
    }

    /// The prompt size of a request: system, every message block (tool inputs and results included) and
    /// the tool definitions, which are most of a Claude Code prompt.
    package static func estimateInput(of request: MessagesRequest) -> Int {
        var tokens = perRequestOverhead
        for text in request.system { tokens += estimate(text: text) }
        for message in request.messages {
            tokens += perMessageOverhead
            for block in message.content { tokens += estimate(block: block) }
        }
        for tool in request.tools {
            tokens += estimate(text: tool.name) + estimate(text: tool.description ?? "")
            if let schema = tool.inputSchema { tokens += estimate(json: schema) }
        }
        return max(tokens, 1)
    }

    static func estimate(json: JSONValue) -> Int {
        var tally = TextTally()
        tally.add(json: json)
        return tally.tokens
    }

    private static func estimate(block: ContentBlock) -> Int {
        switch block {
        case .text(let text): return estimate(text: text)
        case .thinking(let text, _): return estimate(text: text)
        case .toolUse(_, let name, let input): return estimate(text: name) + estimate(json: input)
        case .toolResult(_, let content, _): return content.reduce(0) { $0 + estimate(block: $1) }
        case .image: return perImage
        case .document(let source, let title):
            if case .text(let text) = source { return estimate(text: text) + estimate(text: title ?? "") }
            return perImage
        case .redactedThinking, .unsupported: return 0
        }
    }

    fileprivate static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0xF900...0xFAFF,  // Han
            0x3040...0x30FF,  // Hiragana, Katakana
            0xAC00...0xD7AF,  // Hangul
            0x3000...0x303F, 0xFF00...0xFFEF:  // CJK punctuation, full-width forms
            return true
        default:
            return false
        }
    }
}

/// Characters counted by script as text streams past, so output can be estimated without keeping it.
package struct TextTally: Sendable, Equatable {
    private var cjk = 0
    private var other = 0

    package init() {}

    /// Walks UTF-8 bytes instead of decoding scalars: every CJK range is 3 or 4 bytes long, so only
    /// those lead bytes need decoding; a 1- or 2-byte scalar is never CJK.
    package mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            var index = 0
            while index < utf8.count {
                let lead = utf8[index]
                if lead < 0xE0 {
                    if lead & 0xC0 != 0x80 { other += 1 }  // not a continuation byte
                    index += 1
                    continue
                }
                let length = lead < 0xF0 ? 3 : 4
                guard index + length <= utf8.count else { break }
                var value = UInt32(lead & (length == 3 ? 0x0F : 0x07))
                for offset in 1..<length { value = value << 6 | UInt32(utf8[index + offset] & 0x3F) }
                if let scalar = Unicode.Scalar(value), TokenEstimator.isCJK(scalar) { cjk += 1 } else { other += 1 }
                index += length
            }
        }
    }

    /// A JSON value as if serialised, without serialising it: its text, plus about one character of
    /// punctuation per key, value and element.
    package mutating func add(json: JSONValue) {
        var pending = [json]
        while let value = pending.popLast() {
            switch value {
            case .string(let text):
                add(text)
                other += 2
            case .integer, .double, .bool, .null:
                other += 4
            case .array(let elements):
                pending += elements
                other += 1 + elements.count
            case .object(let members):
                for member in members {
                    add(member.key)
                    pending.append(member.value)
                }
                other += 1 + members.count * 4
            }
        }
    }

    /// ~4 characters a token for English, ~1.2 for CJK text, ~2.5 when mixed.
    package var tokens: Int {
        let total = cjk + other
        guard total > 0 else { return 0 }
        let charactersPerToken: Double
        if cjk == 0 {
            charactersPerToken = 4
        } else if Double(cjk) / Double(total) > 0.8 {
            charactersPerToken = 1.2
        } else {
            charactersPerToken = 2.5
        }
        return max(1, Int((Double(total) / charactersPerToken).rounded(.up)))
    }
}
