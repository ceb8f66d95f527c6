/// Assembles the response head from the raw lines libcurl hands to CURLOPT_HEADERFUNCTION, skipping
/// interim 1xx heads, so the client can answer `execute` the moment the final head is complete.
struct ResponseHeadParser {
    /// What one header line completed.
    enum Event: Equatable {
        case none
        /// The blank line ending the final head.
        case finalHead
    }

    /// The status of the head being read, from its status line.
    private(set) var status: Int?
    /// Lowercased names, in arrival order.
    private(set) var headers: [(name: String, value: String)] = []

    /// Takes one line exactly as libcurl delivers it (including the CRLF).
    mutating func consume(_ rawLine: UnsafeRawBufferPointer) -> Event {
        var line = rawLine[...]
        while let last = line.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: "\n") {
            line = line.dropLast()
        }
        if line.isEmpty {
            guard let status else { return .none }
            if (100..<200).contains(status) {
                self.status = nil
                headers.removeAll(keepingCapacity: true)
                return .none
            }
            return .finalHead
        }
        if line.starts(with: "HTTP/".utf8) {
            status = Self.parseStatus(line)
            headers.removeAll(keepingCapacity: true)
            return .none
        }
        if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            // An obsolete folded continuation of the previous header's value.
            if !headers.isEmpty {
                headers[headers.count - 1].value += " " + Self.trimmed(line)
            }
            return .none
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return .none }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        let value = Self.trimmed(line[(colon + 1)...])
        headers.append((name: name, value: value))
        return .none
    }

    /// "HTTP/1.1 200 OK" or "HTTP/2 200" → 200.
    private static func parseStatus(_ line: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        var status = 0
        var digits = 0
        for byte in line[(space + 1)...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            status = status * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == 3 ? status : nil
    }

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var bytes = bytes
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isSpace(last) { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
