import ProxyCore
import Synchronization

/// A provider's adapters, one per key of its pool (`api_keys`), or its single adapter; and the order in
/// which one request tries its keys.
///
/// Requests of one Claude Code session keep to one key while it is healthy (a provider's prompt cache,
/// and a Responses API's encrypted reasoning, belong to the account that made them); requests without a
/// session take the keys in turn. Keys cooling down after a refusal are tried last.
final class KeyPool: Sendable {
    /// One per key, in the pool's order; for a provider with a `token_command`, one without a key, whose
    /// type-level properties the proxy reads (the calls use `adapter(at:)`).
    let adapters: [any ProviderAdapter]
    /// Where the key comes from when a command gives it.
    private let token: CommandToken?
    /// Each key's public name: the first 8 hex digits of its SHA-256 (`none` without a key), for logs and
    /// metrics, which never see the key.
    let keyIDs: [String]
    private let turn = Atomic<Int>(0)

    init?(provider: ProviderSettings, registry: AdapterRegistry) {
        let variants =
            provider.keyPool.count > 1
            ? provider.keyPool.map { key in
                var one = provider
                one.apiKey = key
                one.keyPool = [key]
                return one
            } : [provider]
        var adapters: [any ProviderAdapter] = []
        for settings in variants {
            guard let adapter = registry.adapter(for: settings) else { return nil }
            adapters.append(adapter)
        }
        self.adapters = adapters
        self.keyIDs = variants.map { settings in
            settings.tokenCommand != nil ? "command" : settings.apiKey.map { String(SHA256.hex($0).prefix(8)) } ?? "none"
        }
        token = provider.tokenCommand != nil ? CommandToken(provider: provider, registry: registry) : nil
    }

    /// The adapter of key `index`, with a fresh token when the key comes from a command.
    func adapter(at index: Int) async throws(AnthropicError) -> any ProviderAdapter {
        guard let token else { return adapters[index] }
        return try await token.adapter()
    }

    /// The upstream refused key `index` (a 401): a token from a command is fetched anew next time.
    func refused(at index: Int) {
        token?.invalidate()
    }

    /// The key indexes one request tries, in order: its session's key (or the next in turn) first, then
    /// the rest of the pool, with the keys `cooling` says are cooling down moved to the end.
    func order(session: String?, cooling: (Int) -> Bool) -> [Int] {
        let count = adapters.count
        guard count > 1 else { return [0] }
        let start = session.map { Self.stableHash($0) % count } ?? (turn.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max) % count
        let rotated = (0..<count).map { (start + $0) % count }
        return rotated.filter { !cooling($0) } + rotated.filter(cooling)
    }

    /// FNV-1a: the same session maps to the same key across reloads and restarts.
    private static func stableHash(_ text: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(hash >> 1)
    }
}
