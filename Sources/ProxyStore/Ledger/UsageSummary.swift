import ProxyCore

/// One key's use over a span of the ledger: requests (and how many failed), tokens by kind, and cost.
package struct UsageSummary: Sendable, Equatable {
    /// The key's name as the ledger has it (a managed key's name, or `static:HASH8`).
    package var keyName: String
    package var requests: Int64
    /// Requests whose status was not 2xx.
    package var failed: Int64
    package var usage: TokenUsage
    package var cost: Double

    package init(keyName: String, requests: Int64, failed: Int64, usage: TokenUsage, cost: Double) {
        self.keyName = keyName
        self.requests = requests
        self.failed = failed
        self.usage = usage
        self.cost = cost
    }
}

extension UsageSummary {
    /// One key's use, as the admin API and `keys usage --json` show it.
    package var json: JSONValue {
        [
            "key": .string(keyName), "requests": .integer(requests), "failed": .integer(failed),
            "input_tokens": .integer(Int64(usage.inputTokens)), "output_tokens": .integer(Int64(usage.outputTokens)),
            "cache_read_tokens": .integer(Int64(usage.cacheReadInputTokens)),
            "cache_write_tokens": .integer(Int64(usage.cacheCreationInputTokens)), "cost_usd": .double(cost),
        ]
    }
}

extension GatewayStore {
    /// Use by key name since `since` (Unix milliseconds; nil: the whole ledger), one summary per name, by
    /// name; only `keyName`'s when given.
    package func usage(keyName: String? = nil, since: Int64? = nil) async throws -> [UsageSummary] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let keyName {
            values.append(.text(keyName))
            conditions.append("key_name = $\(values.count)")
        }
        if let since {
            values.append(.integer(since))
            conditions.append("at_ms >= $\(values.count)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try await database.query(
            """
            SELECT key_name, COUNT(*), SUM(CASE WHEN status >= 200 AND status < 300 THEN 0 ELSE 1 END),
                CAST(SUM(input_tokens) AS BIGINT), CAST(SUM(output_tokens) AS BIGINT), CAST(SUM(cache_read_tokens) AS BIGINT),
                CAST(SUM(cache_write_tokens) AS BIGINT), SUM(cost_usd)
            FROM ccp_usage \(filter)
            GROUP BY key_name ORDER BY key_name
            """, values)
        return rows.map { row in
            UsageSummary(
                keyName: row.text(0) ?? "", requests: row.int(1) ?? 0, failed: row.int(2) ?? 0,
                usage: TokenUsage(
                    inputTokens: Int(row.int(3) ?? 0), outputTokens: Int(row.int(4) ?? 0), cacheCreationInputTokens: Int(row.int(6) ?? 0),
                    cacheReadInputTokens: Int(row.int(5) ?? 0)),
                cost: row.double(7) ?? 0)
        }
    }
}
