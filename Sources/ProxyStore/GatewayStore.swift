import Logging
import ProxyCore

/// What replicas share, over either database: managed keys, the counts their limits are checked against,
/// the usage ledger, and the cooldowns of provider keys. Every change is one transaction (or one statement);
/// callers bound how long they wait for each operation.
package struct GatewayStore: Sendable {
    package let database: any SQLDatabase

    package init(database: any SQLDatabase) {
        self.database = database
    }

    /// The database `settings` name (not yet connected: connections open on first use, and PostgreSQL's
    /// pool needs `database.run()` running).
    package init(settings: StoreSettings, logger: Logger) {
        switch settings.location {
        case .postgres(let url):
            // The config loader accepts only URLs that parse.
            database = PostgresDatabase(url: PostgresURL(url)!, poolSize: settings.poolSize, logger: logger)
        case .sqlite(let path):
            database = SQLiteDatabase(path: path, logger: logger)
        }
    }

    /// Applies the schema steps the database lacks; returns them.
    @discardableResult
    package func migrate() async throws -> [Int] {
        try await Migrations.apply(to: database)
    }

    /// The newest schema step the database has (0: none yet).
    package func schemaVersion() async throws -> Int {
        try await Migrations.version(of: database)
    }
}

/// A store operation that cannot be done as asked; renders as the admin API's error.
package struct StoreError: Error, Sendable, Equatable, CustomStringConvertible, AnthropicErrorRepresentable {
    package var anthropicError: AnthropicError
    package var description: String { anthropicError.message }

    package init(_ type: AnthropicErrorType, _ message: String) {
        anthropicError = AnthropicError(type, message)
    }

    package static func noSuchKey(_ name: String) -> StoreError {
        StoreError(.notFound, "no managed key named '\(name)'")
    }
}
