/// A database the store runs its SQL on: PostgreSQL or an SQLite file.
///
/// Statements are written once, with `$1`, `$2`… placeholders, in the SQL both databases speak; the few
/// places where they differ ask `dialect`.
package protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }

    /// Connects (or opens the file) and runs a trivial statement: an error that says why the database cannot
    /// be used (refused, wrong password, unwritable file), instead of a wait.
    func check() async throws

    /// One statement on its own (committed by itself).
    func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow]

    /// Runs `body` in one transaction: everything it did commits when it returns, nothing when it throws.
    /// The changes it announces reach the other replicas when it commits.
    func transaction<Result: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> Result) async throws -> Result

    /// What other replicas and commands change, as they announce it; a `resync` whenever some may have been
    /// missed (at the start, and after the connection that listens was lost), after which everything should
    /// be read again.
    func changes() -> AsyncStream<StoreSignal>

    /// The database's background work (PostgreSQL's connection pool) until the task is cancelled or the
    /// service group shuts down.
    func run() async
}

/// The statements of one transaction.
package protocol SQLTransaction: Sendable {
    func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow]

    /// Tells the other replicas, when the transaction commits, that something changed (PostgreSQL's NOTIFY;
    /// SQLite's readers notice any commit by themselves).
    func announce(_ signal: StoreSignal) async throws
}

/// The two SQL dialects the store speaks.
package enum SQLDialect: Sendable {
    case postgres
    case sqlite
}

/// A change announced to the replicas.
package enum StoreSignal: Sendable, Equatable {
    /// Read everything again: some announcements may have been missed.
    case resync
    /// A managed key was created or revoked.
    case keysChanged
    /// A provider key of a target cools down until `untilMilliseconds` (Unix time).
    case cooldown(target: String, key: String, untilMilliseconds: Int64)

    /// The NOTIFY payload: `keys`, or `cooldown␉TARGET␉KEY␉UNTIL`.
    package var payload: String {
        switch self {
        case .resync: return "resync"
        case .keysChanged: return "keys"
        case .cooldown(let target, let key, let until): return "cooldown\t\(target)\t\(key)\t\(until)"
        }
    }

    /// The signal a payload stands for; `resync` for one this version does not know.
    package init(payload: String) {
        let parts = payload.split(separator: "\t", omittingEmptySubsequences: false)
        switch parts.first {
        case "keys":
            self = .keysChanged
        case "cooldown" where parts.count == 4:
            guard let until = Int64(parts[3]) else {
                self = .resync
                return
            }
            self = .cooldown(target: String(parts[1]), key: String(parts[2]), untilMilliseconds: until)
        default:
            self = .resync
        }
    }
}

/// A failure the store's callers tell apart from the database being unreachable.
package enum SQLDatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique index refused the row (a live key with that name exists).
    case uniqueViolation(String)
    /// The database could not be reached or answered with an error; the message is the driver's.
    case unavailable(String)

    package var description: String {
        switch self {
        case .uniqueViolation(let message): return message
        case .unavailable(let message): return message
        }
    }
}
