/// Best-effort repair of the almost-JSON weaker models write as tool arguments: a Markdown code fence
/// around it, trailing commas, or output cut off mid-object (unclosed strings and brackets). Anything
/// else is left alone; the caller keeps the raw text when even the repaired version does not parse.
package enum JSONRepair {
    package static func repaired(_ text: String) -> String {
        var source = Substring(text.trimmingWhitespace())
        if source.hasPrefix("```") {
            source = source.drop { $0 != "\n" }.dropFirst()
            if let fence = source.ranges(of: "```").last { source = source[..<fence.lowerBound] }
        }
        var output: [Character] = []
        var closers: [Character] = []
        var inString = false
        var escaped = false
        for character in source {
            if inString {
                output.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": closers.append("}")
            case "[": closers.append("]")
            case "}", "]":
                dropTrailingComma(&output)
                if closers.last == character { closers.removeLast() }
            default: break
            }
            output.append(character)
        }
        if inString {
            if escaped { output.removeLast() }
            output.append("\"")
        }
        dropTrailingComma(&output)
        if output.last == ":" { output.append(contentsOf: "null") }
        output.append(contentsOf: closers.reversed())
        return String(output)
    }

    private static func dropTrailingComma(_ output: inout [Character]) {
        while let last = output.last, last.isWhitespace { output.removeLast() }
        if output.last == "," { output.removeLast() }
    }
}
