import ProxyCore
import Synchronization

/// Keys of targets that recently refused requests, until their cooldown has passed (at most a minute):
/// a 429 cools the key for its `retry-after` (or `rateLimited` without one), a 401 for `refused`.
/// Requests try the other keys and the route's fallbacks first instead of a refusal they already know.
final class TargetCooldowns: Sendable {
    static let longest: Duration = .seconds(60)
    /// A 429 without a `retry-after`.
    static let rateLimited: Duration = .seconds(5)
    /// A key the upstream refused (401): revoked or mistyped keys do not heal quickly.
    static let refused: Duration = .seconds(60)
    private let until = Mutex<[String: ContinuousClock.Instant]>([:])

    func coolDown(_ target: RouteTarget, key: String, for duration: Duration) {
        let end = ContinuousClock.now + min(duration, Self.longest)
        until.withLock { $0[Self.entry(target, key)] = end }
    }

    /// How many keys of targets are cooling down now.
    var activeCount: Int {
        let now = ContinuousClock.now
        return until.withLock { entries in entries.values.count { $0 > now } }
    }

    func isCooling(_ target: RouteTarget, key: String) -> Bool {
        until.withLock { entries in
            let entry = Self.entry(target, key)
            guard let end = entries[entry] else { return false }
            if end > .now { return true }
            entries[entry] = nil
            return false
        }
    }

    private static func entry(_ target: RouteTarget, _ key: String) -> String {
        target.label + "#" + key
    }
}
