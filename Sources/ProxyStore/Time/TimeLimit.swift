import Synchronization

/// A store operation that took longer than its caller would wait.
package struct TimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    package var limit: Duration
    package var description: String { "the store did not answer within \(limit)" }
}

/// Runs `operation`, but returns (throwing `TimeLimitExceeded`) once `limit` has passed, whether or not the
/// operation notices its cancellation: a database call blocked on a dead connection must not hold the
/// request that made it. The caller's cancellation ends the wait at once too (throwing `CancellationError`).
package func withTimeLimit<Result: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> Result
)
    async throws -> Result
{
    let race = Race<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            race.setWork(
                Task {
                    do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
                })
            race.setTimer(
                Task {
                    do { try await Task.sleep(for: limit) } catch { return }
                    race.finish(.failure(TimeLimitExceeded(limit: limit)))
                })
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The operation, its timer and the caller's cancellation racing to resume one continuation; whichever
/// comes first stops the others.
private final class Race<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var done = false
        /// An outcome that came before the continuation was in place (the caller was already cancelled).
        var early: Swift.Result<Result, any Error>?
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Result, any Error>) {
        let early = state.withLock { state -> Swift.Result<Result, any Error>? in
            state.continuation = continuation
            return state.early
        }
        if let early { continuation.resume(with: early) }
    }

    func setWork(_ work: Task<Void, Never>) {
        if state.withLock({ state in
            state.work = work
            return state.done
        }) {
            work.cancel()
        }
    }

    func setTimer(_ timer: Task<Void, Never>) {
        if state.withLock({ state in
            state.timer = timer
            return state.done
        }) {
            timer.cancel()
        }
    }

    /// Resumes the continuation unless another outcome already did, and stops the work and the timer.
    func finish(_ result: Swift.Result<Result, any Error>) {
        let (continuation, work, timer) = state.withLock {
            state -> (CheckedContinuation<Result, any Error>?, Task<Void, Never>?, Task<Void, Never>?) in
            guard !state.done else { return (nil, nil, nil) }
            state.done = true
            if state.continuation == nil { state.early = result }
            defer { state.continuation = nil }
            return (state.continuation, state.work, state.timer)
        }
        work?.cancel()
        timer?.cancel()
        continuation?.resume(with: result)
    }
}
