extension GatewayStore {
    /// Adds `requests` (1 to admit a request, -1 to take a refused one back) to the key's count for the
    /// minute holding `now`, and returns the counts its limits are checked against. One statement on
    /// PostgreSQL (a round trip per admitted request), so replicas admitting at once each see the others.
    package func count(
        keyID: Int64, requests: Int64, periodStart: Int64, now: Int64 = WallClock.milliseconds()
    ) async throws -> KeyCounts {
        let minute = KeyCounts.minute(of: now)
        let values: [SQLValue] = [.integer(keyID), .integer(minute), .integer(requests), .integer(periodStart)]
        let row: SQLRow?
        switch database.dialect {
        case .postgres:
            row = try await database.query(
                """
                WITH bumped AS (
                    INSERT INTO ccp_key_minutes (key_id, minute, requests, tokens) VALUES ($1, $2, $3, 0)
                    ON CONFLICT (key_id, minute) DO UPDATE SET requests = ccp_key_minutes.requests + excluded.requests
                    RETURNING requests, tokens
                )
                SELECT bumped.requests, bumped.tokens,
                    (SELECT requests FROM ccp_key_minutes WHERE key_id = $1 AND minute = $2 - 1),
                    (SELECT tokens FROM ccp_key_minutes WHERE key_id = $1 AND minute = $2 - 1),
                    (SELECT cost_usd FROM ccp_key_spend WHERE key_id = $1 AND period_start_ms = $4)
                FROM bumped
                """, values
            ).first
        case .sqlite:
            // SQLite has no INSERT inside WITH; its transactions are local and cheap.
            row = try await database.transaction { transaction in
                _ = try await transaction.query(
                    """
                    INSERT INTO ccp_key_minutes (key_id, minute, requests, tokens) VALUES ($1, $2, $3, 0)
                    ON CONFLICT (key_id, minute) DO UPDATE SET requests = ccp_key_minutes.requests + excluded.requests
                    """, Array(values.prefix(3)))
                return try await transaction.query(
                    """
                    SELECT (SELECT requests FROM ccp_key_minutes WHERE key_id = $1 AND minute = $2),
                        (SELECT tokens FROM ccp_key_minutes WHERE key_id = $1 AND minute = $2),
                        (SELECT requests FROM ccp_key_minutes WHERE key_id = $1 AND minute = $2 - 1),
                        (SELECT tokens FROM ccp_key_minutes WHERE key_id = $1 AND minute = $2 - 1),
                        (SELECT cost_usd FROM ccp_key_spend WHERE key_id = $1 AND period_start_ms = $3)
                    """, [.integer(keyID), .integer(minute), .integer(periodStart)]
                ).first
            }
        }
        return KeyCounts(
            minute: minute, requests: row?.int(0) ?? 0, tokens: row?.int(1) ?? 0, previousRequests: row?.int(2) ?? 0,
            previousTokens: row?.int(3) ?? 0, spend: row?.double(4) ?? 0)
    }

    /// What a key spent in its current budget period (for a key without a budget, the current calendar month):
    /// the total its limit is checked against, or the ledger's own sum when it has no budget to keep one.
    package func spend(of key: ManagedKey, now: Int64 = WallClock.milliseconds()) async throws -> Double {
        let start = key.limits.budgetPeriod.start(containing: now)
        if key.limits.budget != nil { return try await spend(keyID: key.id, periodStart: start) }
        return try await database.query(
            "SELECT SUM(cost_usd) FROM ccp_usage WHERE key_id = $1 AND at_ms >= $2", [.integer(key.id), .integer(start)]
        ).first?.double(0) ?? 0
    }

    /// A key's spend in the budget period that started at `periodStart`.
    package func spend(keyID: Int64, periodStart: Int64) async throws -> Double {
        try await database.query(
            "SELECT cost_usd FROM ccp_key_spend WHERE key_id = $1 AND period_start_ms = $2", [.integer(keyID), .integer(periodStart)]
        ).first?.double(0) ?? 0
    }

    /// Drops the counts and cooldowns no check reads any more (minutes before the last two, cooldowns
    /// that have ended).
    package func prune(now: Int64 = WallClock.milliseconds()) async throws {
        _ = try await database.query("DELETE FROM ccp_key_minutes WHERE minute < $1", [.integer(KeyCounts.minute(of: now) - 2)])
        _ = try await database.query("DELETE FROM ccp_cooldowns WHERE until_ms < $1", [.integer(now)])
    }
}
