import Logging
import NIOCore
import PostgresNIO
import ProxyCore

/// A PostgreSQL store through postgres-nio's connection pool: what several replicas share.
///
/// Changes are announced with `NOTIFY ccp_events` in the transaction that makes them (so they are sent
/// when it commits) and heard on one connection that `LISTEN`s, reconnecting with backoff when it is lost;
/// each (re)connection starts with a `resync`, since announcements made meanwhile are gone.
package final class PostgresDatabase: SQLDatabase {
    package let dialect = SQLDialect.postgres
    private let client: PostgresClient
    private let url: PostgresURL
    private let logger: Logger
    static let channel = "ccp_events"
    /// Server settings every connection starts with: a statement or lock that hangs must not hold a request,
    /// so the server gives up on its own too.
    static let startupParameters = [
        ("application_name", "claude-code-proxy"), ("statement_timeout", "10000"), ("lock_timeout", "5000"),
        ("idle_in_transaction_session_timeout", "30000"),
    ]

    /// - Parameter poolSize: connections for queries; the listener takes one more.
    package init(url: PostgresURL, poolSize: Int, logger: Logger) {
        var configuration: PostgresClient.Configuration
        if let directory = url.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(url.port)", username: url.user, password: url.password, database: url.database)
        } else {
            configuration = .init(
                host: url.host ?? "localhost", port: url.port, username: url.user, password: url.password, database: url.database,
                tls: Self.tls(url.tls))
        }
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = poolSize + 1
        configuration.options.additionalStartupParameters = Self.startupParameters
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.url = url
        self.logger = logger
    }

    private static func tls(_ mode: PostgresURL.TLSMode) -> PostgresClient.Configuration.TLS {
        switch (mode, tlsConfiguration(mode)) {
        case (.prefer, let tls?): return .prefer(tls)
        case (_, let tls?): return .require(tls)
        case (_, nil): return .disable
        }
    }

    /// libpq's meaning of each mode: `prefer` and `require` do not check the certificate, `verify-full` does.
    private static func tlsConfiguration(_ mode: PostgresURL.TLSMode) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyFull: break
        }
        return configuration
    }

    /// One connection of its own, outside the pool, and a `SELECT 1` on it: the pool retries a server it cannot
    /// reach without saying why, this says (refused, unknown host, wrong password…).
    package func check() async throws {
        var configuration: PostgresConnection.Configuration
        if let directory = url.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(url.port)", username: url.user, password: url.password, database: url.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch (url.tls, try Self.tlsConfiguration(url.tls).map(NIOSSLContext.init(configuration:))) {
            case (.prefer, let context?): tls = .prefer(context)
            case (_, let context?): tls = .require(context)
            case (_, nil): tls = .disable
            }
            configuration = .init(
                host: url.host ?? "localhost", port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = Self.startupParameters
        try await Self.translatingErrors {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            _ = try await Self.rows(of: connection.query("SELECT 1", logger: logger))
        }
    }

    package func run() async {
        await client.run()
    }

    package func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow] {
        try await Self.translatingErrors { try await Self.rows(of: client.query(Self.query(sql, values), logger: logger)) }
    }

    package func transaction<Result: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> Result) async throws -> Result {
        try await Self.translatingErrors {
            try await client.withTransaction(logger: logger) { connection in
                try await body(PostgresTransaction(connection: connection, logger: logger))
            }
        }
    }

    package func changes() -> AsyncStream<StoreSignal> {
        let (stream, continuation) = AsyncStream<StoreSignal>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let task = Task { [client, logger] in
            var backoff = Duration.milliseconds(250)
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            continuation.yield(.resync)
                            backoff = .milliseconds(250)
                            for try await notification in notifications {
                                continuation.yield(StoreSignal(payload: notification.payload))
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("store: listening for changes failed (\(error)); retrying in \(backoff)")
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func query(_ sql: String, _ values: [SQLValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func rows(of sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in sequence {
            rows.append(SQLRow(try row.map(Self.value(of:))))
        }
        return rows
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil, cell.dataType != .void else { return .null }
        switch cell.dataType {
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int8: return .integer(try cell.decode(Int64.self))
        case .float4: return .real(Double(try cell.decode(Float.self)))
        case .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        default:
            // The store's statements select only the types above (a SUM of BIGINTs, which is NUMERIC, is cast back).
            throw SQLDatabaseError.unavailable(
                "PostgreSQL: column '\(cell.columnName)' has type \(cell.dataType), which the store does not read")
        }
    }

    /// postgres-nio's errors as the store's: a unique violation (SQLSTATE 23505) apart from the rest; a
    /// failed transaction by the error that failed it.
    static func translatingErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw translated(error)
        }
    }

    private static func translated(_ error: any Error) -> any Error {
        switch error {
        case let failed as PostgresTransactionError:
            return translated(failed.closureError ?? failed.commitError ?? failed.beginError ?? SQLDatabaseError.unavailable("\(failed)"))
        case let error as PSQLError:
            let message = error.serverInfo?[.message] ?? error.underlying.map { "\($0)" } ?? "\(error.code)"
            if error.serverInfo?[.sqlState] == "23505" { return SQLDatabaseError.uniqueViolation(message) }
            return SQLDatabaseError.unavailable("PostgreSQL: \(message)")
        default:
            return error
        }
    }
}

/// The statements of one PostgreSQL transaction, on the connection that holds it.
private struct PostgresTransaction: SQLTransaction {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow] {
        try await PostgresDatabase.rows(of: connection.query(PostgresDatabase.query(sql, values), logger: logger))
    }

    func announce(_ signal: StoreSignal) async throws {
        _ = try await query("SELECT pg_notify($1, $2)", [.text(PostgresDatabase.channel), .text(signal.payload)])
    }
}
