import Synchronization

/// A store operation that took longer than its caller would wait.
package struct TimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    package var limit: Duration
    package var description: String { "the store did not answer within \(limit)" }
}

/// Runs `operation`, but returns (throwing `TimeLimitExceeded`) once `limit` has passed, whether or not the
/// operation notices its cancellation: a database call blocked on a dead connection must not hold the
/// request that made it.
package func withTimeLimit<Result: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> Result
)
    async throws -> Result
{
    let race = Race<Result>()
    return try await withCheckedThrowingContinuation { continuation in
        race.start(continuation)
        let work = Task {
            do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
        }
        race.setTimer(
            Task {
                do { try await Task.sleep(for: limit) } catch { return }
                if race.finish(.failure(TimeLimitExceeded(limit: limit))) { work.cancel() }
            })
    }
}

/// The operation and its timer racing to resume one continuation; the winner stops the other.
private final class Race<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var timer: Task<Void, Never>?
        var done = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Result, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func setTimer(_ timer: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            state.timer = timer
            return state.done
        }
        if finished { timer.cancel() }
    }

    /// Resumes the continuation unless the other side already did; returns whether this call did.
    @discardableResult
    func finish(_ result: Swift.Result<Result, any Error>) -> Bool {
        let (continuation, timer) = state.withLock { state -> (CheckedContinuation<Result, any Error>?, Task<Void, Never>?) in
            guard !state.done else { return (nil, nil) }
            state.done = true
            defer { state.continuation = nil }
            return (state.continuation, state.timer)
        }
        guard let continuation else { return false }
        timer?.cancel()
        continuation.resume(with: result)
        return true
    }
}
