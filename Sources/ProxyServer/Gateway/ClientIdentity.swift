import ProxyCore
import ProxyStore

/// Who sent a request, as the client key it presented says: a managed key, one of `server.api_keys`, or
/// nobody (a proxy without client keys). The ledger and the metrics name it; only a managed key has limits.
struct ClientIdentity: Sendable {
    /// The managed key, with its limits.
    let managedKey: ManagedKey?
    /// The ledger's `key_name` and the metrics' `key` label: the managed key's name, `static:HASH8` for a
    /// static key (the first 8 hex digits of its SHA-256), nil for nobody.
    let name: String?

    static let anonymous = ClientIdentity(managedKey: nil, name: nil)

    static func managed(_ key: ManagedKey) -> ClientIdentity {
        ClientIdentity(managedKey: key, name: key.name)
    }

    static func staticKey(_ key: String) -> ClientIdentity {
        ClientIdentity(managedKey: nil, name: "static:" + SHA256.hex(key).prefix(8))
    }
}
