import Logging
import NIOCore
import NIOPosix
import ProxyCore
import SQLiteNIO
import ServiceLifecycle
import Synchronization

/// An SQLite store in one file: for a proxy on one machine (several processes may share the file — the
/// server and the `keys` commands — but not several machines).
///
/// One connection does everything, on a thread of its own (a writer waiting for another process's lock
/// blocks only it), its transactions one after the other (`TransactionGate`). The file is in
/// WAL mode, so readers never wait for the writer, and commits are synced (`synchronous=FULL`): a committed
/// ledger row survives the process being killed and the machine losing power. Changes made by other
/// processes are noticed by polling `PRAGMA data_version` four times a second (a cheap read of a counter); those this process makes are
/// announced to its own listeners when they commit.
package final class SQLiteDatabase: SQLDatabase {
    package let dialect = SQLDialect.sqlite
    private let path: String
    private let logger: Logger
    private let gate = TransactionGate()
    private let connection = ConnectionSlot()
    private let thread = NIOThreadPool(numberOfThreads: 1)
    /// This process's listeners (`changes()`), told of what its own transactions announce.
    private let listeners = Mutex<[Int: AsyncStream<StoreSignal>.Continuation]>([:])
    /// How often other processes' commits are looked for.
    private let pollInterval: Duration

    package init(path: String, logger: Logger, pollInterval: Duration = .milliseconds(250)) {
        self.path = path
        self.logger = logger
        self.pollInterval = pollInterval
        thread.start()
    }

    package func run() async {
        // Nothing runs in the background but the polling `changes` starts; the connection closes at the end.
        try? await gracefulShutdown()
        await gate.run { await self.connection.close() }
        try? await thread.shutdownGracefully()
    }

    package func check() async throws {
        _ = try await query("SELECT 1", [])
    }

    package func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow] {
        try await gate.run { try await Self.rows(of: self.open(), sql, values) }
    }

    package func transaction<Result: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> Result) async throws -> Result {
        try await gate.run {
            let connection = try await self.open()
            _ = try await Self.rows(of: connection, "BEGIN IMMEDIATE", [])
            let transaction = SQLiteTransaction(connection: connection)
            do {
                let result = try await body(transaction)
                _ = try await Self.rows(of: connection, "COMMIT", [])
                let listeners = self.listeners.withLock { Array($0.values) }
                for signal in transaction.announced { for listener in listeners { listener.yield(signal) } }
                return result
            } catch {
                _ = try? await Self.rows(of: connection, "ROLLBACK", [])
                throw error
            }
        }
    }

    package func changes() -> AsyncStream<StoreSignal> {
        let (stream, continuation) = AsyncStream<StoreSignal>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id = listeners.withLock { listeners in
            let id = (listeners.keys.max() ?? 0) + 1
            listeners[id] = continuation
            return id
        }
        let task = Task { [pollInterval] in
            // Read before the resync: a change made after it must show as a new version.
            var seen = try? await self.query("PRAGMA data_version", []).first?.int(0)
            continuation.yield(.resync)
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                guard let version = try? await self.query("PRAGMA data_version", []).first?.int(0) else { continue }
                if let seen, seen != version { continuation.yield(.resync) }
                seen = version
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in
            task.cancel()
            self.listeners.withLock { $0[id] = nil }
        }
        return stream
    }

    /// The open connection, opened (and set up) on first use or again after it was closed.
    private func open() async throws -> SQLiteConnection {
        guard !connection.isClosed else { throw SQLDatabaseError.unavailable("SQLite: \(path) is closed: the proxy is stopping") }
        if let open = connection.current { return open }
        let opened: SQLiteConnection
        do {
            opened = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: thread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            throw SQLDatabaseError.unavailable("SQLite: cannot open \(path): \(error)")
        }
        do {
            for pragma in ["PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"] {
                _ = try await Self.rows(of: opened, pragma, [])
            }
        } catch {
            try? await opened.close().get()
            throw error
        }
        connection.current = opened
        return opened
    }

    static func rows(of connection: SQLiteConnection, _ sql: String, _ values: [SQLValue]) async throws -> [SQLRow] {
        let binds = values.map { value -> SQLiteData in
            switch value {
            case .null: return .null
            case .integer(let number): return .integer(Int(number))
            case .real(let number): return .float(number)
            case .text(let text): return .text(text)
            }
        }
        do {
            return try await connection.query(Self.positional(sql), binds).map { row in
                SQLRow(
                    row.columns.map { column in
                        switch column.data {
                        case .integer(let number): return .integer(Int64(number))
                        case .float(let number): return .real(number)
                        case .text(let text): return .text(text)
                        case .blob, .null: return .null
                        }
                    })
            }
        } catch let error as SQLiteError {
            switch error.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed: throw SQLDatabaseError.uniqueViolation(error.message)
            default: throw SQLDatabaseError.unavailable("SQLite: \(error.message)")
            }
        }
    }

    /// `$1`, `$2`… as SQLite's `?1`, `?2`….
    static func positional(_ sql: String) -> String {
        String(sql.map { $0 == "$" ? "?" : $0 })
    }
}

/// The statements of one SQLite transaction, on the connection that holds it, and what it announces.
private final class SQLiteTransaction: SQLTransaction {
    let connection: SQLiteConnection
    private let signals = Mutex<[StoreSignal]>([])

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow] {
        try await SQLiteDatabase.rows(of: connection, sql, values)
    }

    /// Told to this process's listeners when the transaction commits; other processes notice the commit
    /// itself (`PRAGMA data_version`).
    func announce(_ signal: StoreSignal) async throws {
        signals.withLock { $0.append(signal) }
    }

    var announced: [StoreSignal] { signals.withLock { $0 } }
}

/// The database's one connection, opened lazily; only touched inside `TransactionGate.run`.
private final class ConnectionSlot: @unchecked Sendable {
    // Safe: every access happens inside the gate, one at a time.
    var current: SQLiteConnection?
    /// Closed for good: the proxy is stopping.
    private(set) var isClosed = false

    func close() async {
        isClosed = true
        guard let connection = current else { return }
        // The future form: the async one gives up when the calling task is cancelled (the proxy stopping),
        // which would leave the file open. A connection that failed to close stays referenced (sqlite-nio
        // checks, in debug builds, that none is released unclosed); `isClosed` keeps it from being used.
        do {
            try await connection.close().get()
            current = nil
        } catch {
            connection.logger.warning("store: closing the SQLite file failed: \(error)")
        }
    }
}
