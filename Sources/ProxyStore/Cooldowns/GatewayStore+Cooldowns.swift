extension GatewayStore {
    /// A provider key a target refused, cooling down until `until` (Unix milliseconds), as replicas share it.
    package struct Cooldown: Sendable, Equatable {
        /// The target's `provider/model`.
        package var target: String
        /// The provider key's short hash.
        package var key: String
        package var until: Int64

        package init(target: String, key: String, until: Int64) {
            self.target = target
            self.key = key
            self.until = until
        }
    }

    /// Records a cooldown and announces it, so every replica tries that key last until it ends.
    package func publish(_ cooldown: Cooldown) async throws {
        try await database.transaction { transaction in
            _ = try await transaction.query(
                """
                INSERT INTO ccp_cooldowns (target, provider_key, until_ms) VALUES ($1, $2, $3)
                ON CONFLICT (target, provider_key) DO UPDATE SET until_ms = excluded.until_ms
                """, [.text(cooldown.target), .text(cooldown.key), .integer(cooldown.until)])
            try await transaction.announce(.cooldown(target: cooldown.target, key: cooldown.key, untilMilliseconds: cooldown.until))
        }
    }

    /// The cooldowns still running at `now`, for a replica that starts or missed announcements.
    package func cooldowns(now: Int64 = WallClock.milliseconds()) async throws -> [Cooldown] {
        try await database.query("SELECT target, provider_key, until_ms FROM ccp_cooldowns WHERE until_ms > $1", [.integer(now)]).map {
            Cooldown(target: $0.text(0) ?? "", key: $0.text(1) ?? "", until: $0.int(2) ?? 0)
        }
    }
}
