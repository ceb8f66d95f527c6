/// Edits the top-level members of a JSON object in its original text, leaving every other byte as it
/// was: an Anthropic upstream gets the client's body with only the fields the proxy must change changed,
/// so prompt caches keyed on the exact request stay warm.
public struct JSONObjectEditor: Sendable {
    private struct Member {
        var key: String
        var start: Int
        var valueStart: Int
        var valueEnd: Int
    }

    private let bytes: [UInt8]
    private let members: [Member]
    private let membersStart: Int

    /// Reads the top-level members of `bytes`; nil when they are not one JSON object.
    public init?(_ bytes: [UInt8]) {
        guard (try? JSONParser.parse(bytes))?.objectValue != nil else { return nil }
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        scanner.position += 1  // {
        membersStart = scanner.position
        var members: [Member] = []
        while true {
            scanner.skipWhitespace()
            guard scanner.position < bytes.count, bytes[scanner.position] == UInt8(ascii: "\"") else { break }
            let start = scanner.position
            scanner.skipString()
            let key = (try? JSONParser.parse(bytes[start..<scanner.position]))?.stringValue ?? ""
            scanner.skipWhitespace()
            scanner.position += 1  // :
            scanner.skipWhitespace()
            let valueStart = scanner.position
            scanner.skipValue()
            members.append(Member(key: key, start: start, valueStart: valueStart, valueEnd: scanner.position))
            scanner.skipWhitespace()
            if scanner.position < bytes.count, bytes[scanner.position] == UInt8(ascii: ",") { scanner.position += 1 } else { break }
        }
        self.bytes = bytes
        self.members = members
    }

    /// The top-level keys, in order.
    public var keys: [String] { members.map(\.key) }

    /// The JSON text of `key`'s value, as written.
    public func valueText(of key: String) -> ArraySlice<UInt8>? {
        members.first { $0.key == key }.map { bytes[$0.valueStart..<$0.valueEnd] }
    }

    /// The text with the values of `replacing`'s keys replaced (by their serialization) and the members
    /// of `removing` left out; every other byte stays as it was. Keys in `replacing` that the object does
    /// not have are not added.
    public func edited(replacing: [String: JSONValue] = [:], removing: Set<String> = []) -> [UInt8] {
        let kept = members.filter { !removing.contains($0.key) }
        if kept.count == members.count, replacing.isEmpty { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        output.append(contentsOf: bytes[..<(members.first?.start ?? membersStart)])
        for (position, member) in kept.enumerated() {
            output.append(contentsOf: bytes[member.start..<member.valueStart])
            if let value = replacing[member.key] {
                value.write(into: &output)
            } else {
                output.append(contentsOf: bytes[member.valueStart..<member.valueEnd])
            }
            if position < kept.count - 1, let next = members.firstIndex(where: { $0.start > member.start }) {
                output.append(contentsOf: bytes[member.valueEnd..<members[next].start])  // the comma and spacing after it
            }
        }
        output.append(contentsOf: bytes[(members.last?.valueEnd ?? membersStart)...])
        return output
    }

    /// Walks JSON text that is known to be valid.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func skipString() {
            position += 1
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\\"): position += 2
                case UInt8(ascii: "\""):
                    position += 1
                    return
                default: position += 1
                }
            }
        }

        mutating func skipValue() {
            guard position < bytes.count else { return }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while position < bytes.count {
                    switch bytes[position] {
                    case UInt8(ascii: "\""):
                        skipString()
                        if depth == 0 { return }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            position += 1
                            return
                        }
                    default: break
                    }
                    position += 1
                }
            default:
                while position < bytes.count,
                    ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[position])
                {
                    position += 1
                }
            }
        }
    }
}
