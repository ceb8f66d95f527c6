/// Where the state that replicas share lives (`store:` in config.yaml), and how the proxy behaves when it
/// cannot reach it: managed client keys, the usage ledger, and provider cooldowns.
package struct StoreSettings: Sendable, Equatable {
    /// The database: PostgreSQL for several replicas, an SQLite file for one machine.
    package enum Location: Sendable, Equatable {
        /// A `postgresql://` (or `postgres://`) URL.
        case postgres(url: String)
        /// An SQLite database file (`sqlite:PATH`).
        case sqlite(path: String)
    }

    package var location: Location
    /// Ledger rows that may wait in memory while the store cannot be written; beyond it, rows are dropped
    /// (counted and logged), never blocking a request.
    package var queueSize: Int
    /// How long managed keys keep working from the proxy's cached copy while the store is unreachable;
    /// after that they are refused with 503 (static keys keep working).
    package var maxStaleness: Duration
    /// How often the cached keys are read again in full, besides the changes the store announces.
    package var refreshInterval: Duration
    /// The longest an answer's last bytes wait for its ledger row to be committed.
    package var ledgerWait: Duration
    /// Connections to a PostgreSQL store (one more listens for changes).
    package var poolSize: Int
    /// The name this replica writes in the ledger's `replica` column (default: the host name).
    package var replica: String?

    package init(
        location: Location, queueSize: Int = 10_000, maxStaleness: Duration = .seconds(300), refreshInterval: Duration = .seconds(30),
        ledgerWait: Duration = .seconds(2), poolSize: Int = 8, replica: String? = nil
    ) {
        self.location = location
        self.queueSize = queueSize
        self.maxStaleness = maxStaleness
        self.refreshInterval = refreshInterval
        self.ledgerWait = ledgerWait
        self.poolSize = poolSize
        self.replica = replica
    }

    /// The store's location without any password, for logs.
    package var displayLocation: String {
        switch location {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url): return PostgresURL(url)?.redacted ?? "postgresql://…"
        }
    }
}
