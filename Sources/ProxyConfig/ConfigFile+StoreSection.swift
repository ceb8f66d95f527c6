import ProxyCore

extension ConfigDocument {
    /// `store:`: the database replicas share, and how the proxy behaves when it cannot reach it.
    struct StoreSection: Decodable {
        var url: ConfigString
        var queueSize: YAMLMarked<Int>?
        var maxStaleness: YAMLMarked<Double>?
        var refreshInterval: YAMLMarked<Double>?
        var ledgerWait: YAMLMarked<Double>?
        var poolSize: YAMLMarked<Int>?
        var replica: String?

        enum CodingKeys: String, CodingKey {
            case url, replica
            case queueSize = "queue_size"
            case maxStaleness = "max_staleness"
            case refreshInterval = "refresh_interval"
            case ledgerWait = "ledger_wait"
            case poolSize = "pool_size"
        }

        /// The settings, each problem reported at its line; nil when the URL cannot be used.
        func settings(file: String, problems: inout YAMLProblems) -> StoreSettings? {
            let location = problems.check { () throws(YAMLError) in try self.location(file: file) }
            let defaults = StoreSettings(location: .sqlite(path: ""))
            func atLeast<Value: Comparable & Decodable>(
                _ minimum: Value, atMost maximum: Value, _ value: YAMLMarked<Value>?, _ key: CodingKeys, unit: String
            )
                -> Value?
            {
                value?.atLeast(minimum, atMost: maximum, key: key.rawValue, in: "store", unit: unit, file: file, problems: &problems)
            }
            func seconds(_ value: YAMLMarked<Double>?, _ key: CodingKeys, minimum: Double = 0.01) -> Duration? {
                atLeast(minimum, atMost: ConfigDocument.longestSeconds, value, key, unit: " seconds").map(ConfigDocument.duration)
            }
            let queueSize = atLeast(1, atMost: 10_000_000, queueSize, .queueSize, unit: "")
            let refreshInterval = seconds(refreshInterval, .refreshInterval, minimum: 1)
            // The keys are read again every refresh_interval: a copy allowed to be no older than that would
            // be refused between two reads of a healthy store.
            let interval = refreshInterval ?? defaults.refreshInterval
            var maxStaleness = seconds(maxStaleness, .maxStaleness, minimum: 1)
            if let staleness = maxStaleness, staleness <= interval, let mark = self.maxStaleness?.mark {
                problems.append(
                    YAMLError(
                        file: file, mark: mark, path: "store.max_staleness",
                        message:
                            "max_staleness (\(staleness)) must be longer than refresh_interval (\(interval)): the keys are read again only that often"
                    ))
                maxStaleness = nil
            }
            let ledgerWait = seconds(ledgerWait, .ledgerWait, minimum: 0)
            let poolSize = atLeast(1, atMost: 1000, poolSize, .poolSize, unit: "")
            guard let location else { return nil }
            return StoreSettings(
                location: location, queueSize: queueSize ?? defaults.queueSize, maxStaleness: maxStaleness ?? defaults.maxStaleness,
                refreshInterval: refreshInterval ?? defaults.refreshInterval, ledgerWait: ledgerWait ?? defaults.ledgerWait,
                poolSize: poolSize ?? defaults.poolSize, replica: replica)
        }

        /// `url`: `postgresql://…` / `postgres://…`, or `sqlite:PATH`.
        private func location(file: String) throws(YAMLError) -> StoreSettings.Location {
            let text = url.value
            func problem(_ message: String) -> YAMLError {
                YAMLError(file: file, mark: url.mark, path: "store.url", message: message)
            }
            guard url.isComplete else {
                throw problem("url uses \(url.missingVariables.map { "${\($0)}" }.joined(separator: ", ")), which is not set")
            }
            if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
                guard PostgresURL(text) != nil else {
                    throw problem("url is not a PostgreSQL URL of the form postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
                }
                return .postgres(url: text)
            }
            if text.hasPrefix("sqlite:") {
                let path = String(text.dropFirst("sqlite:".count))
                guard !path.isEmpty else { throw problem("url needs a file after sqlite: (sqlite:/var/lib/claude-code-proxy/proxy.db)") }
                return .sqlite(path: path)
            }
            // Only the part before the first ':': the rest may hold a password.
            let scheme = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text
            throw problem("url must start with postgresql:// (several replicas) or sqlite: (one machine), not '\(scheme):…'")
        }
    }
}
