import ProxyCore
import Synchronization

/// Keys of targets that recently refused requests, until their cooldown has passed (at most a minute):
/// a 429 cools the key for its `retry-after` (or `rateLimited` without one), a 401 for `refused`.
/// Requests try the other keys and the route's fallbacks first instead of a refusal they already know.
///
/// One set per process, kept across config reloads (a target and key are named by `provider/model` and
/// the key's short hash, which a reload does not change). With a store, each cooldown this replica starts
/// is shared with the others (`onCoolDown`), and theirs arrive through `coolDown(label:key:untilWallClock:now:)`.
final class TargetCooldowns: Sendable {
    static let longest: Duration = .seconds(60)
    /// A 429 without a `retry-after`.
    static let rateLimited: Duration = .seconds(5)
    /// A key the upstream refused (401): revoked or mistyped keys do not heal quickly.
    static let refused: Duration = .seconds(60)
    private let until = Mutex<[String: ContinuousClock.Instant]>([:])
    private let observer = Mutex<(@Sendable (_ target: String, _ key: String, _ duration: Duration) -> Void)?>(nil)

    /// Told of every cooldown this replica starts (the store shares it).
    func onCoolDown(_ observe: @escaping @Sendable (_ target: String, _ key: String, _ duration: Duration) -> Void) {
        observer.withLock { $0 = observe }
    }

    func coolDown(_ target: RouteTarget, key: String, for duration: Duration) {
        let duration = min(duration, Self.longest)
        extend(Self.entry(target.label, key), to: ContinuousClock.now + duration)
        observer.withLock { $0 }?(target.label, key, duration)
    }

    /// A cooldown another replica started, ending at `untilWallClock` (Unix milliseconds; `now` is this
    /// replica's clock), at most a minute from now.
    func coolDown(label: String, key: String, untilWallClock: Int64, now: Int64) {
        let (left, overflow) = untilWallClock.subtractingReportingOverflow(now)
        let remaining = Duration.milliseconds(overflow ? 0 : min(left, 60_000))
        guard remaining > .zero else { return }
        extend(Self.entry(label, key), to: ContinuousClock.now + remaining)
    }

    /// How many keys of targets are cooling down now.
    var activeCount: Int {
        let now = ContinuousClock.now
        return until.withLock { entries in entries.values.count { $0 > now } }
    }

    func isCooling(_ target: RouteTarget, key: String) -> Bool {
        until.withLock { entries in
            let entry = Self.entry(target.label, key)
            guard let end = entries[entry] else { return false }
            if end > .now { return true }
            entries[entry] = nil
            return false
        }
    }

    /// Sets the entry's end to `end` unless it already ends later.
    private func extend(_ entry: String, to end: ContinuousClock.Instant) {
        until.withLock { entries in
            if let current = entries[entry], current >= end { return }
            entries[entry] = end
        }
    }

    private static func entry(_ label: String, _ key: String) -> String {
        label + "#" + key
    }
}
