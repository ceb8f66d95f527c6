import CYAML

/// Parses one YAML document into a ``YAMLNode`` tree with libyaml's event API.
///
/// This is the only file that touches libyaml: it owns the parser's lifetime (always deleted, every event
/// always freed), turns events into ``YAMLEvent`` values for ``YAMLTreeBuilder`` and libyaml's failures into
/// ``YAMLError``s with 1-based marks.
package enum YAMLParser {
    /// Parses `text`; returns nil for an empty document (nothing, comments only, or a bare `---`).
    ///
    /// - Parameters:
    ///   - file: The name used in error messages.
    ///   - environment: The variables `${VAR}` in scalar values resolve against.
    package static func parse(_ text: String, file: String, environment: [String: String]) throws(YAMLError) -> YAMLNode? {
        try parse(Array(text.utf8), file: file, environment: environment)
    }

    /// Parses raw bytes as read from a file: libyaml detects the encoding (UTF-8, or UTF-16 with a BOM) and
    /// rejects invalid sequences and control characters with an error that points at them.
    package static func parse(_ bytes: [UInt8], file: String, environment: [String: String]) throws(YAMLError) -> YAMLNode? {
        var builder = YAMLTreeBuilder(file: file, environment: YAMLEnvironment(environment))
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(file: file, mark: nil, message: "could not initialise the YAML parser (out of memory)")
        }
        defer { yaml_parser_delete(parser) }

        // libyaml asserts a non-null input pointer, so an empty file still gets a (zero-length) buffer.
        let input = bytes.isEmpty ? [0] : bytes
        try input.withUnsafeBufferPointer { (buffer) throws(YAMLError) in
            yaml_parser_set_input_string(parser, buffer.baseAddress, bytes.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw syntaxError(parser.pointee, bytes: bytes, file: file)
                }
                defer { yaml_event_delete(&event) }
                let isEnd = event.type == YAML_STREAM_END_EVENT
                try builder.handle(Self.translate(event))
                if isEnd { break }
            }
        }
        guard let root = builder.root else { return nil }
        if case .scalar(let scalar) = root.value, scalar.style == .plain, scalar.tag == nil, scalar.source.isEmpty {
            return nil
        }
        return root
    }

    private static func translate(_ event: yaml_event_t) -> YAMLEvent {
        let mark = YAMLMark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(mark, anchor: string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let properties = YAMLEvent.Properties(mark: mark, anchor: string(scalar.anchor), tag: string(scalar.tag))
            let text =
                scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                } ?? ""
            return .scalar(properties, text: text, style: YAMLScalar.Style(scalar.style))
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(.init(mark: mark, anchor: string(start.anchor), tag: string(start.tag)))
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(.init(mark: mark, anchor: string(start.anchor), tag: string(start.tag)))
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            return .streamEnd
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// libyaml's problem and context as one message. Reader errors (bad encoding, control characters)
    /// carry a byte offset instead of a mark, so the mark is computed from the input.
    private static func syntaxError(_ parser: yaml_parser_t, bytes: [UInt8], file: String) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        switch parser.error {
        case YAML_READER_ERROR:
            let offset = min(parser.problem_offset, bytes.count)
            var message = "invalid input: \(problem)"
            if parser.problem_value != -1 {
                message += " (byte 0x\(String(UInt8(truncatingIfNeeded: parser.problem_value), radix: 16, uppercase: true)))"
            }
            return YAMLError(file: file, mark: mark(atByteOffset: offset, in: bytes), message: message)
        case YAML_MEMORY_ERROR:
            return YAMLError(file: file, mark: nil, message: "out of memory while parsing YAML")
        default:
            var message = "invalid YAML: \(problem)"
            if let context = parser.context.map({ String(cString: $0) }) {
                let contextMark = YAMLMark(parser.context_mark)
                message += " (\(context) at line \(contextMark.line), column \(contextMark.column))"
            }
            let mark = YAMLMark(parser.problem_mark)
            if byte(at: mark, in: bytes) == UInt8(ascii: "\t") {
                message += "; tabs cannot indent YAML, use spaces"
            } else if let context = parser.context.map({ String(cString: $0) }), context.contains("flow"),
                lines(from: Int(parser.context_mark.line), through: mark.line - 1, in: bytes).contains("${")
            {
                // `{ key: ${VAR} }`: the `}` of the reference ends the flow mapping.
                message += "; inside '{ }' or '[ ]' quote values that use '${…}'"
            }
            return YAMLError(file: file, mark: mark, message: message)
        }
    }

    /// The text of 0-based lines `first...last`, to look for the cause of a syntax error.
    private static func lines(from first: Int, through last: Int, in bytes: [UInt8]) -> String {
        var line = 0
        var selected: [UInt8] = []
        for byte in bytes {
            if line > last { break }
            if line >= first { selected.append(byte) }
            if byte == UInt8(ascii: "\n") { line += 1 }
        }
        return String(decoding: selected, as: UTF8.self)
    }

    /// The first byte of the character at `mark`, to recognise the commonest syntax error (tabs).
    private static func byte(at mark: YAMLMark, in bytes: [UInt8]) -> UInt8? {
        var line = 1
        var column = 1
        for byte in bytes where byte & 0xC0 != 0x80 {
            if line == mark.line, column == mark.column { return byte }
            if line > mark.line { return nil }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return nil
    }

    /// The 1-based line and column (in characters) of a byte offset, for reader errors.
    private static func mark(atByteOffset offset: Int, in bytes: [UInt8]) -> YAMLMark {
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }
}

extension YAMLMark {
    /// libyaml marks are 0-based.
    fileprivate init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}

extension YAMLScalar.Style {
    fileprivate init(_ style: yaml_scalar_style_t) {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: self = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: self = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: self = .literal
        case YAML_FOLDED_SCALAR_STYLE: self = .folded
        default: self = .plain
        }
    }
}
