import ProxyCore
import ProxyStore
import Synchronization

/// The managed keys this replica knows, by the SHA-256 of the key: read in full from the store at start,
/// again whenever a replica or a command announces a change, and every `refresh_interval`. A copy serves for
/// up to `max_staleness` after it was read (which the config keeps longer than `refresh_interval`, so a
/// healthy store keeps it fresh); an older one refuses managed keys (503), since a key revoked meanwhile
/// could still be in it.
final class KeyDirectory: Sendable {
    enum Lookup: Sendable {
        case found(ManagedKey)
        /// No key has that hash: not a managed key.
        case unknown
        /// The copy is too old (or was never read) to say; the message tells the client why.
        case unavailable(String)
    }

    private struct State {
        var byHash: [String: ManagedKey] = [:]
        var loadedAt: ContinuousClock.Instant?
        /// The read the copy came from; an older read that finishes later does not replace it.
        var read: UInt64 = 0
    }

    private let state = Mutex(State())
    private let maxStaleness: Duration

    init(maxStaleness: Duration) {
        self.maxStaleness = maxStaleness
    }

    /// Replaces the copy with `keys`, from the read numbered `read` (reads are numbered as they start): a
    /// slow read that started before a revocation's must not bring the revoked key back.
    func replace(with keys: [ManagedKey], read: UInt64) {
        var byHash: [String: ManagedKey] = [:]
        for key in keys { byHash[key.keyHash] = key }
        state.withLock { state in
            guard read > state.read else { return }
            state = State(byHash: byHash, loadedAt: .now, read: read)
        }
    }

    /// The key whose SHA-256 is `hash`.
    func lookup(hash: String) -> Lookup {
        let (key, loadedAt) = state.withLock { ($0.byHash[hash], $0.loadedAt) }
        guard let loadedAt else {
            return .unavailable("the proxy has not been able to read its managed keys from its store yet; static keys still work")
        }
        let age = ContinuousClock.now - loadedAt
        guard age <= maxStaleness else {
            return .unavailable(
                "the proxy's store has been unreachable for \(age.components.seconds) s, longer than its max_staleness of "
                    + "\(maxStaleness.components.seconds) s, so it cannot check managed keys; static keys still work")
        }
        return key.map(Lookup.found) ?? .unknown
    }

    /// Whether the keys were read at least once.
    var isLoaded: Bool {
        state.withLock { $0.loadedAt != nil }
    }
}
