import ProxyCore

extension GatewayStore {
    /// The most rows one write takes: 19 values each stays far below either database's limit on bound values.
    package static let batchLimit = 500

    /// Writes ledger rows in one transaction, with the per-minute token counts and the budget spend they add
    /// to: rows and totals commit together, so the totals are always the ledger's own sums. A row whose
    /// request id is in the ledger already is skipped, totals included (a batch written again after an
    /// unconfirmed commit). Returns how many rows were new.
    @discardableResult
    package func write(_ rows: [LedgerRow]) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        precondition(rows.count <= Self.batchLimit, "ledger batches are split by the caller")
        var values: [SQLValue] = []
        values.reserveCapacity(rows.count * 19)
        var placeholders: [String] = []
        for row in rows {
            let first = values.count + 1
            placeholders.append("(" + (first..<first + 19).map { "$\($0)" }.joined(separator: ", ") + ")")
            values += [
                .text(row.requestID), .integer(row.at), .integer(row.keyID), .text(row.keyName), .text(row.sessionID),
                .text(row.requestClass), .text(row.agentType), .text(row.clientModel), .text(row.route), .text(row.provider),
                .text(row.upstreamModel), .integer(row.usage.inputTokens), .integer(row.usage.outputTokens),
                .integer(row.usage.cacheReadInputTokens), .integer(row.usage.cacheCreationInputTokens), .real(row.cost),
                .integer(row.status), .integer(row.latencyMilliseconds), .text(row.replica),
            ]
        }
        let insert = """
            INSERT INTO ccp_usage (request_id, at_ms, key_id, key_name, session_id, request_class, agent_type, client_model, route,
                provider, upstream_model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, status,
                latency_ms, replica)
            VALUES \(placeholders.joined(separator: ", "))
            ON CONFLICT (request_id) DO NOTHING
            RETURNING request_id
            """
        let insertValues = values
        return try await database.transaction { transaction in
            let inserted = Set(try await transaction.query(insert, insertValues).compactMap { $0.text(0) })
            let new = rows.filter { inserted.contains($0.requestID) }
            try await Self.addTotals(of: new, in: transaction)
            return new.count
        }
    }

    /// Adds the new rows' tokens to their keys' minutes (the minute each request ended: a request minutes
    /// long still counts in the window its limit looks at), and their cost to their keys' budget periods.
    private static func addTotals(of rows: [LedgerRow], in transaction: any SQLTransaction) async throws {
        var tokens: [KeyMinute: Int64] = [:]
        var spend: [KeyPeriod: Double] = [:]
        for row in rows {
            guard let keyID = row.keyID else { continue }
            tokens[KeyMinute(keyID: keyID, minute: KeyCounts.minute(of: row.endedAt)), default: 0] += Int64(row.totalTokens)
            if let start = row.budgetPeriodStart { spend[KeyPeriod(keyID: keyID, start: start), default: 0] += row.cost }
        }
        if !tokens.isEmpty {
            let entries = tokens.map { (key: $0.key, value: $0.value) }
            _ = try await transaction.query(
                """
                INSERT INTO ccp_key_minutes (key_id, minute, requests, tokens) VALUES \(placeholders(entries.count, columns: 3, literal: "0"))
                ON CONFLICT (key_id, minute) DO UPDATE SET tokens = ccp_key_minutes.tokens + excluded.tokens
                """, entries.flatMap { [SQLValue.integer($0.key.keyID), .integer($0.key.minute), .integer($0.value)] })
        }
        if !spend.isEmpty {
            let entries = spend.map { (key: $0.key, value: $0.value) }
            _ = try await transaction.query(
                """
                INSERT INTO ccp_key_spend (key_id, period_start_ms, cost_usd) VALUES \(placeholders(entries.count, columns: 3))
                ON CONFLICT (key_id, period_start_ms) DO UPDATE SET cost_usd = ccp_key_spend.cost_usd + excluded.cost_usd
                """, entries.flatMap { [SQLValue.integer($0.key.keyID), .integer($0.key.start), .real($0.value)] })
        }
    }

    /// `($1, $2, $3), ($4, $5, $6)…`, with `literal` after the second value of each row when given (a column
    /// whose value is the same in every row).
    private static func placeholders(_ rows: Int, columns: Int, literal: String? = nil) -> String {
        (0..<rows).map { row in
            var items = (1...columns).map { "$\(row * columns + $0)" }
            if let literal { items.insert(literal, at: 2) }
            return "(" + items.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
    }

    private struct KeyMinute: Hashable {
        var keyID: Int64
        var minute: Int64
    }

    private struct KeyPeriod: Hashable {
        var keyID: Int64
        var start: Int64
    }
}
