import Synchronization

/// Targets that answered 429 with a `retry-after`, until that time has passed (at most a minute):
/// requests try their fallbacks first instead of hitting a limit they already know about.
final class TargetCooldowns: Sendable {
    static let longest: Duration = .seconds(60)
    private let until = Mutex<[String: ContinuousClock.Instant]>([:])

    func coolDown(_ provider: String, _ model: String, for duration: Duration) {
        let end = ContinuousClock.now + min(duration, Self.longest)
        until.withLock { $0[provider + "/" + model] = end }
    }

    /// How many targets are cooling down now.
    var activeCount: Int {
        let now = ContinuousClock.now
        return until.withLock { entries in entries.values.count { $0 > now } }
    }

    func isCooling(_ provider: String, _ model: String) -> Bool {
        until.withLock { entries in
            let key = provider + "/" + model
            guard let end = entries[key] else { return false }
            if end > .now { return true }
            entries[key] = nil
            return false
        }
    }
}
