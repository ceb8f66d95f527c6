import NIOCore
import Synchronization

/// Stops a request's work the moment its client's connection closes.
///
/// Hummingbird notices a departed client only at its next write, so a request waiting for a slow
/// upstream would keep a paid generation (or a local GPU) busy for nothing. `ClientHangupHandler` owns
/// one watch per connection (found through `ConnectionRegistry`) and marks it closed from the channel's
/// event loop; the request's task registers itself here under a lock and is cancelled on close. Nothing
/// per request touches the event loop (no close-future callback, no extra task), which matters at
/// thousands of requests per second.
final class ConnectionCloseWatch: Sendable {
    struct Disconnected: Error {}

    /// The task inside `whileOpen`. Only used under `state`'s lock, and `whileOpen` clears it under the
    /// same lock before the task can end, so the task is alive whenever it is cancelled through it.
    private struct RunningTask: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private struct State {
        var closed = false
        var running: RunningTask?
    }

    private let state: Mutex<State>

    init(closed: Bool = false) {
        state = Mutex(State(closed: closed))
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Runs `operation`. `Disconnected` is thrown at once when the connection is closed already, and
    /// after cancelling the task when it closes meanwhile.
    func whileOpen<T>(_ operation: () async throws -> T) async throws -> T {
        let registered = withUnsafeCurrentTask { task in
            state.withLock { state in
                guard !state.closed else { return false }
                state.running = task.map(RunningTask.init)
                return true
            }
        }
        guard registered else { throw Disconnected() }
        defer { state.withLock { $0.running = nil } }
        do {
            return try await operation()
        } catch {
            if isClosed { throw Disconnected() }
            throw error
        }
    }

    /// The connection closed (event loop): cancels the task inside `whileOpen`, if one is.
    func markClosed() {
        state.withLock { state in
            state.closed = true
            state.running?.task.cancel()
            state.running = nil
        }
    }
}

/// Each open client connection's watch, keyed by its channel, so a request handler finds its
/// connection's watch under a lock instead of asking the channel's event loop. One per application.
package final class ConnectionRegistry: Sendable {
    private let watches = Mutex<[ObjectIdentifier: ConnectionCloseWatch]>([:])

    package init() {}

    /// Connections currently registered: nothing may accumulate per request or per closed connection.
    package var openConnections: Int { watches.withLock { $0.count } }

    /// The watch of `channel`'s connection; a closed one when the connection already ended.
    func watch(for channel: any Channel) -> ConnectionCloseWatch {
        watches.withLock { $0[ObjectIdentifier(channel)] } ?? ConnectionCloseWatch(closed: true)
    }

    /// Registers a connection; returns how many are open with it.
    @discardableResult
    func register(_ watch: ConnectionCloseWatch, for channel: any Channel) -> Int {
        watches.withLock {
            $0[ObjectIdentifier(channel)] = watch
            return $0.count
        }
    }

    func unregister(_ channel: any Channel) {
        _ = watches.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
