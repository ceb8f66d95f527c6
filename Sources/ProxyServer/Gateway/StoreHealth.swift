import Logging
import Synchronization

/// Whether the store answers, as every use of it tells: the last time it did, and since when it has not.
/// The ledger holds answers only while it is healthy, and `/health` and the metrics report it.
final class StoreHealth: Sendable {
    private struct State {
        var lastSuccess: ContinuousClock.Instant?
        var failingSince: ContinuousClock.Instant?
        var lastProblem: String?
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// The store answered.
    func succeeded() {
        let recovered = state.withLock { state -> Duration? in
            let since = state.failingSince
            state.lastSuccess = .now
            state.failingSince = nil
            state.lastProblem = nil
            return since.map { .now - $0 }
        }
        if let recovered { logger.notice("store: reachable again after \(Self.seconds(recovered)) s") }
    }

    /// The store failed with `problem`; logged when it starts failing or fails differently.
    func failed(_ problem: String) {
        let isNew = state.withLock { state -> Bool in
            if state.failingSince == nil { state.failingSince = .now }
            defer { state.lastProblem = problem }
            return state.lastProblem != problem
        }
        if isNew { logger.warning("store: \(problem)") }
    }

    /// Whether the last use of the store succeeded (true before any use).
    var isHealthy: Bool { state.withLock { $0.failingSince == nil } }

    /// What `/health` says of the store: `ok`, or how long it has been unreachable. Not why: `/health` takes
    /// no key, and the reason names the database and key names; the log has it.
    var summary: String {
        state.withLock { state in
            guard let since = state.failingSince else { return "ok" }
            return "unreachable for \(Self.seconds(.now - since)) s"
        }
    }

    static func seconds(_ duration: Duration) -> Int64 {
        duration.components.seconds
    }
}
