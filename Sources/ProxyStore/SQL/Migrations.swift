/// The store's schema, one numbered step at a time. A database records the steps it has
/// (`ccp_schema_migrations`); `apply` adds the missing ones in order, in one transaction that holds the
/// migration lock, so replicas that start together wait for one another instead of racing.
///
/// Steps are never edited once released: a change to the schema is a new step. A database that has steps
/// this binary does not know (a newer replica migrated it) is left as it is.
package enum Migrations {
    struct Step: Sendable {
        let version: Int
        let name: String
        /// The statements, in the order they run, in a dialect's own SQL where the two differ.
        let statements: @Sendable (SQLDialect) -> [String]
    }

    static let steps: [Step] = [
        Step(version: 1, name: "managed keys, usage ledger, limit counters, cooldowns") { dialect in
            let identity =
                dialect == .postgres ? "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "id INTEGER PRIMARY KEY AUTOINCREMENT"
            var statements = [
                """
                CREATE TABLE ccp_keys (
                    \(identity),
                    name TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    created_at_ms BIGINT NOT NULL,
                    expires_at_ms BIGINT,
                    revoked_at_ms BIGINT,
                    budget_usd DOUBLE PRECISION,
                    budget_period TEXT,
                    rpm BIGINT,
                    tpm BIGINT,
                    models TEXT
                )
                """,
                "CREATE UNIQUE INDEX ccp_keys_live_name ON ccp_keys (name) WHERE revoked_at_ms IS NULL",
                """
                CREATE TABLE ccp_usage (
                    request_id TEXT PRIMARY KEY,
                    at_ms BIGINT NOT NULL,
                    key_id BIGINT,
                    key_name TEXT NOT NULL,
                    session_id TEXT,
                    request_class TEXT,
                    agent_type TEXT,
                    client_model TEXT,
                    route TEXT,
                    provider TEXT,
                    upstream_model TEXT,
                    input_tokens BIGINT NOT NULL,
                    output_tokens BIGINT NOT NULL,
                    cache_read_tokens BIGINT NOT NULL,
                    cache_write_tokens BIGINT NOT NULL,
                    cost_usd DOUBLE PRECISION NOT NULL,
                    status INTEGER NOT NULL,
                    latency_ms BIGINT NOT NULL,
                    replica TEXT
                )
                """,
                "CREATE INDEX ccp_usage_time ON ccp_usage (at_ms)",
                "CREATE INDEX ccp_usage_name_time ON ccp_usage (key_name, at_ms)",
                "CREATE INDEX ccp_usage_key_time ON ccp_usage (key_id, at_ms)",
                """
                CREATE TABLE ccp_key_minutes (
                    key_id BIGINT NOT NULL,
                    minute BIGINT NOT NULL,
                    requests BIGINT NOT NULL,
                    tokens BIGINT NOT NULL,
                    PRIMARY KEY (key_id, minute)
                )
                """,
                """
                CREATE TABLE ccp_key_spend (
                    key_id BIGINT NOT NULL,
                    period_start_ms BIGINT NOT NULL,
                    cost_usd DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (key_id, period_start_ms)
                )
                """,
                """
                CREATE TABLE ccp_cooldowns (
                    target TEXT NOT NULL,
                    provider_key TEXT NOT NULL,
                    until_ms BIGINT NOT NULL,
                    PRIMARY KEY (target, provider_key)
                )
                """,
            ]
            if dialect == .postgres {
                // For people reading the ledger with SQL: the times as timestamps.
                statements.append(
                    """
                    CREATE VIEW ccp_usage_view AS
                    SELECT to_timestamp(at_ms / 1000.0) AS at, * FROM ccp_usage
                    """)
            }
            return statements
        }
    ]

    /// The newest version this binary knows.
    package static var latest: Int { steps.map(\.version).max() ?? 0 }

    /// The newest step the database has (0: none yet), read without changing anything.
    package static func version(of database: any SQLDatabase) async throws -> Int {
        let exists = try await database.query(
            database.dialect == .postgres
                ? "SELECT to_regclass('ccp_schema_migrations') IS NOT NULL"
                : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'ccp_schema_migrations'", [])
        guard exists.first?.int(0) == 1 else { return 0 }
        return Int(try await database.query("SELECT MAX(version) FROM ccp_schema_migrations", []).first?.int(0) ?? 0)
    }

    /// Brings the schema up to `latest`; returns the versions it applied (none when it already was). A
    /// database already up to date is only read, so replicas may run as a user that cannot change the schema
    /// once `migrate` ran as one that can.
    @discardableResult
    package static func apply(to database: any SQLDatabase) async throws -> [Int] {
        guard try await version(of: database) < latest else { return [] }
        return try await database.transaction { transaction in
            if database.dialect == .postgres {
                // Held until the transaction ends: replicas migrating at once take turns.
                _ = try await transaction.query("SELECT pg_advisory_xact_lock(7300517)", [])
            }
            _ = try await transaction.query(
                """
                CREATE TABLE IF NOT EXISTS ccp_schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at_ms BIGINT NOT NULL
                )
                """, [])
            let applied = Set(try await transaction.query("SELECT version FROM ccp_schema_migrations", []).compactMap { $0.int(0) })
            var added: [Int] = []
            for step in steps where !applied.contains(Int64(step.version)) {
                for statement in step.statements(database.dialect) {
                    _ = try await transaction.query(statement, [])
                }
                _ = try await transaction.query(
                    "INSERT INTO ccp_schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)",
                    [.integer(Int64(step.version)), .text(step.name), .integer(WallClock.milliseconds())])
                added.append(step.version)
            }
            return added
        }
    }
}
