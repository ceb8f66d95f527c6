/// Tool names as the upstream accepts them, and the way back.
///
/// OpenAI allows `^[A-Za-z0-9_-]{1,64}$`; MCP tool names (`mcp__server__tool`) can be longer or use
/// other characters. Such names become `<first 55 chars>_<8 hex of a hash>` and are restored in responses.
package struct ToolNameMapping: Sendable, Equatable {
    private var upstreamToClient: [String: String] = [:]
    private var clientToUpstream: [String: String] = [:]

    package static let identity = ToolNameMapping()

    package init() {}

    package init(clientNames: [String]) {
        for name in clientNames where !Self.isUpstreamSafe(name) {
            let mapped = Self.shortened(name)
            upstreamToClient[mapped] = name
            clientToUpstream[name] = mapped
        }
    }

    package func upstreamName(for clientName: String) -> String {
        clientToUpstream[clientName] ?? (Self.isUpstreamSafe(clientName) ? clientName : Self.shortened(clientName))
    }

    package func clientName(for upstreamName: String) -> String {
        upstreamToClient[upstreamName] ?? upstreamName
    }

    static func isUpstreamSafe(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
            default: return false
            }
        }
    }

    static func shortened(_ name: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs, unlike Hasher
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let prefix = String(
            name.unicodeScalars.prefix(55).map { scalar -> Character in
                switch scalar {
                case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return Character(scalar)
                default: return "_"
                }
            })
        let hex = String(hash & 0xFFFF_FFFF, radix: 16)
        return prefix + "_" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
