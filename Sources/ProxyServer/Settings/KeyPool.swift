import CurlHTTP
import ProxyCore
import Synchronization

/// A provider's adapter and its keys: those of its pool (`api_keys`), its one key, or the token the proxy
/// renews for it (`token_command`, `service_account_file`); and the order in which one request tries the
/// keys.
///
/// Requests of one Claude Code session keep to one key while it is healthy (a provider's prompt cache,
/// and a Responses API's encrypted reasoning, belong to the account that made them); requests without a
/// session take the keys in turn. Keys cooling down after a refusal are tried last.
final class KeyPool: Sendable {
    /// The provider's adapter, built once per config load; each call brings its key.
    let adapter: any ProviderAdapter
    /// Each configured key, in the pool's order (one without a pool), as a call gets it: the key, nil
    /// when there is none and the adapter needs none, or the error of a key needed and missing.
    private let keys: [Result<String?, AnthropicError>]
    /// Each key's public name: the first 8 hex digits of its SHA-256 (`none` without a key, `renewed` for
    /// a token the proxy renews), for logs and metrics, which never see the key.
    let keyIDs: [String]
    /// The key, when the proxy renews it.
    private let token: RenewedToken?
    private let turn = Atomic<Int>(0)

    init?(provider: ProviderSettings, registry: AdapterRegistry, server: ServerSettings) {
        guard let adapter = registry.adapter(for: provider) else { return nil }
        self.adapter = adapter
        let configured: [String?] = provider.keyPool.count > 1 ? provider.keyPool : [provider.apiKey]
        keys = configured.map { key in
            var one = provider
            one.apiKey = key
            return Result { () throws(AnthropicError) in try one.apiKey(requiredByDefault: type(of: adapter).requiresAPIKey) }
        }
        keyIDs = configured.map { key in
            provider.renewedKeySource != nil ? "renewed" : key.map { String(SHA256.hex($0).prefix(8)) } ?? "none"
        }
        if provider.tokenCommand != nil {
            token = RenewedToken(provider: provider.name, fetch: TokenCommand.source(for: provider))
        } else if provider.serviceAccountFile != nil {
            token = RenewedToken(provider: provider.name, fetch: ServiceAccountToken.source(for: provider, server: server))
        } else {
            token = nil
        }
    }

    /// The key of index `index` for a call: a fresh token when the proxy renews it; nil when there is none
    /// and the adapter needs none. Fails (the route's next target then takes over) when a key is needed
    /// and there is none, or no token could be had.
    func key(at index: Int, client: CurlHTTPClient) async throws(AnthropicError) -> String? {
        if let token { return try await token.value(client: client) }
        return try keys[index].get()
    }

    /// The upstream refused key `index` (a 401): a renewed token is fetched anew next time.
    func refused(at index: Int) {
        token?.invalidate()
    }

    /// The key indexes one request tries, in order: its session's key (or the next in turn) first, then
    /// the rest of the pool, with the keys `cooling` says are cooling down moved to the end.
    func order(session: String?, cooling: (Int) -> Bool) -> [Int] {
        let count = keys.count
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
