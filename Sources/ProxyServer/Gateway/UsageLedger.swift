import Logging
import ProxyStore
import ServiceLifecycle
import Synchronization

/// The usage ledger's writer: requests hand it their rows without waiting, and one task writes them to
/// the store in batches — every row waiting when a write starts goes into it, so under load many requests
/// share one commit.
///
/// A successful request's row is committed before the last bytes of its answer are sent
/// (`waitUntilWritten`, at most `store.ledger_wait`), so a replica killed after a client saw success has
/// already written it. While the store cannot be written the answer does not wait: its row stays queued,
/// up to `store.queue_size` rows, retried with backoff and written once the store is back; rows beyond
/// that are dropped, counted and logged, never blocking a request. A graceful stop writes what is queued,
/// for at most `shutdownDeadline`.
final class UsageLedger: Service, Sendable {
    /// A recorded row's place in line.
    struct Ticket: Sendable {
        fileprivate let sequence: UInt64
        /// The queue was full: the row will never be written.
        let isDropped: Bool
    }

    private struct State {
        /// Waiting to be written, oldest first; each row with its ticket's sequence.
        var queue: [(sequence: UInt64, row: LedgerRow)] = []
        var nextSequence: UInt64 = 1
        /// Every queued row up to this sequence is written.
        var writtenThrough: UInt64 = 0
        var waiters: [UInt64: [CheckedContinuation<Void, Never>]] = [:]
        /// Dropped since the last report.
        var dropped = 0
        var lastDropReport: ContinuousClock.Instant?
    }

    private let store: GatewayStore
    private let capacity: Int
    private let wait: Duration
    private let shutdownDeadline: Duration
    private let health: StoreHealth
    private let metrics: ProxyMetrics
    private let logger: Logger
    private let state = Mutex(State())
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    init(
        store: GatewayStore, capacity: Int, wait: Duration, shutdownDeadline: Duration, health: StoreHealth, metrics: ProxyMetrics,
        logger: Logger
    ) {
        self.store = store
        self.capacity = capacity
        self.wait = wait
        self.shutdownDeadline = shutdownDeadline
        self.health = health
        self.metrics = metrics
        self.logger = logger
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues `row` for writing and returns at once; a full queue drops it (counted, and logged at most
    /// every 10 s).
    @discardableResult
    func record(_ row: LedgerRow) -> Ticket {
        let (ticket, report) = state.withLock { state -> (Ticket, Int?) in
            let sequence = state.nextSequence
            state.nextSequence += 1
            if state.queue.count < capacity {
                state.queue.append((sequence, row))
                return (Ticket(sequence: sequence, isDropped: false), nil)
            }
            state.dropped += 1
            let ticket = Ticket(sequence: sequence, isDropped: true)
            guard state.lastDropReport.map({ .now - $0 >= .seconds(10) }) ?? true else { return (ticket, nil) }
            state.lastDropReport = .now
            defer { state.dropped = 0 }
            return (ticket, state.dropped)
        }
        if ticket.isDropped { metrics.ledgerRows(.dropped) }
        if let report {
            logger.error("usage ledger: the queue is full (store.queue_size: \(capacity) rows); \(report) row(s) dropped")
        }
        wake.yield()
        return ticket
    }

    /// Returns once the ticket's row is written, after `store.ledger_wait` at most, at once while the
    /// store is failing (the row stays queued), or when the calling task is cancelled.
    func waitUntilWritten(_ ticket: Ticket) async {
        guard !ticket.isDropped, wait > .zero, health.isHealthy else { return }
        let sequence = ticket.sequence
        let timer = Mutex<Task<Void, Never>?>(nil)
        defer { timer.withLock { $0?.cancel() } }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let written = state.withLock { state -> Bool in
                    guard state.writtenThrough < sequence else { return true }
                    state.waiters[sequence, default: []].append(continuation)
                    return false
                }
                if written {
                    continuation.resume()
                    return
                }
                // Started once the waiter is in place, so it cannot fire before there is one to release.
                timer.withLock { [wait] timer in
                    timer = Task {
                        guard (try? await Task.sleep(for: wait)) != nil else { return }
                        // A store this slow is failing, whatever the write in progress says later: the next
                        // answers do not wait until it does.
                        if self.release(sequence) {
                            self.health.failed("usage ledger: a commit took longer than store.ledger_wait (\(wait))")
                        }
                    }
                }
            }
        } onCancel: {
            release(sequence)
        }
    }

    /// Rows waiting to be written.
    var queueDepth: Int { state.withLock { $0.queue.count } }

    func run() async throws {
        await withGracefulShutdownHandler {
            await self.writeUntilStopped()
        } onGracefulShutdown: {
            self.wake.yield()
        }
    }

    /// Writes batches as rows come; after a graceful shutdown began, until the queue is empty or
    /// `shutdownDeadline` has passed.
    private func writeUntilStopped() async {
        var wakes = self.wakes.makeAsyncIterator()
        var backoff = Duration.milliseconds(100)
        var stopBy: ContinuousClock.Instant?
        while !Task.isCancelled {
            if stopBy == nil, Task.isShuttingDownGracefully { stopBy = .now + shutdownDeadline }
            if let stopBy, ContinuousClock.now >= stopBy { break }
            let batch = state.withLock { Array($0.queue.prefix(GatewayStore.batchLimit)) }
            guard let last = batch.last else {
                if stopBy != nil { return }
                _ = await wakes.next()
                continue
            }
            do {
                // While stopping, no write may outlast the stop's deadline.
                let limit = stopBy.map { min(.seconds(10), max(.milliseconds(100), $0 - .now)) } ?? .seconds(10)
                let written = try await withTimeLimit(limit) { [store] in try await store.write(batch.map(\.row)) }
                health.succeeded()
                backoff = .milliseconds(100)
                finished(through: last.sequence, count: batch.count)
                metrics.ledgerRows(.written, count: written)
            } catch {
                health.failed("writing the usage ledger failed: \(error)")
                releaseAll()
                if let stopBy, ContinuousClock.now + backoff > stopBy { break }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        let lost = queueDepth
        if lost > 0 {
            logger.error("usage ledger: stopping with \(lost) row(s) unwritten: the store could not be written")
            metrics.ledgerRows(.lost, count: lost)
        }
    }

    /// The batch ending at `sequence` is in the store: it leaves the queue, and its waiters go on.
    private func finished(through sequence: UInt64, count: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.queue.removeFirst(count)
            state.writtenThrough = sequence
            let done = state.waiters.keys.filter { $0 <= sequence }
            return done.flatMap { state.waiters.removeValue(forKey: $0) ?? [] }
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Lets the ticket's waiters go on; returns whether there were any.
    @discardableResult
    private func release(_ sequence: UInt64) -> Bool {
        let waiters = state.withLock { $0.waiters.removeValue(forKey: sequence) ?? [] }
        for waiter in waiters { waiter.resume() }
        return !waiters.isEmpty
    }

    private func releaseAll() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters = [:] }
            return state.waiters.values.flatMap { $0 }
        }
        for waiter in waiters { waiter.resume() }
    }
}
