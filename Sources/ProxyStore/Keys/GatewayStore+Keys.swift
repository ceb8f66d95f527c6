import ProxyCore

extension GatewayStore {
    /// What a new key is made with.
    package struct NewKey: Sendable {
        package var name: String
        package var limits: KeyLimits
        /// The first Unix millisecond the key is refused; nil: never.
        package var expiresAt: Int64?

        package init(name: String, limits: KeyLimits = KeyLimits(), expiresAt: Int64? = nil) {
            self.name = name
            self.limits = limits
            self.expiresAt = expiresAt
        }
    }

    /// Names of keys: letters, digits and `.`, `_`, `-`, `@`, up to 64 (they appear in metrics labels and logs).
    package static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || ".-_@".utf8.contains(byte)
            }
    }

    /// The largest budget a key may have, in dollars: far beyond any real one, and well within what the
    /// store's sums and the messages' dollar amounts can hold exactly.
    package static let largestBudget: Double = 1_000_000_000

    /// Makes a key and announces it to the replicas; returns it with its secret, which nothing keeps.
    package func createKey(_ new: NewKey, now: Int64 = WallClock.milliseconds()) async throws -> (key: ManagedKey, secret: String) {
        guard Self.validName(new.name) else {
            throw StoreError(
                .invalidRequest, "a key's name is 1 to 64 letters, digits, '.', '_', '-' or '@', not '\(new.name)'")
        }
        if let budget = new.limits.budget, !(budget > 0 && budget <= Self.largestBudget) {
            throw StoreError(.invalidRequest, "a budget is more than 0 and at most \(Int(Self.largestBudget)) dollars, not \(budget)")
        }
        if let glob = new.limits.models.first(where: { $0.contains(",") || $0.isEmpty }) {
            throw StoreError(.invalidRequest, "a model glob may not be empty or hold a comma, not '\(glob)'")
        }
        for (name, value) in [("rpm", new.limits.requestsPerMinute), ("tpm", new.limits.tokensPerMinute)] {
            if let value, value < 1 { throw StoreError(.invalidRequest, "\(name) must be at least 1, not \(value)") }
        }
        if let expiresAt = new.expiresAt, expiresAt <= now {
            throw StoreError(.invalidRequest, "the expiry \(WallClock.iso(expiresAt)) has already passed")
        }
        let secret = KeySecret.generate()
        let hash = KeySecret.hash(secret)
        let limits = new.limits
        let values: [SQLValue] = [
            .text(new.name), .text(hash), .integer(now), .integer(new.expiresAt), .real(limits.budget),
            .text(limits.budget == nil ? nil : limits.budgetPeriod.rawValue), .integer(limits.requestsPerMinute),
            .integer(limits.tokensPerMinute), .text(limits.models.isEmpty ? nil : limits.models.joined(separator: ",")),
        ]
        do {
            let id = try await database.transaction { transaction in
                let rows = try await transaction.query(
                    """
                    INSERT INTO ccp_keys (name, key_hash, created_at_ms, expires_at_ms, budget_usd, budget_period, rpm, tpm, models)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
                    """, values)
                try await transaction.announce(.keysChanged)
                return rows.first?.int(0) ?? 0
            }
            let key = ManagedKey(id: id, name: new.name, keyHash: hash, createdAt: now, expiresAt: new.expiresAt, limits: limits)
            return (key, secret)
        } catch SQLDatabaseError.uniqueViolation {
            throw StoreError(.invalidRequest, "a key named '\(new.name)' exists already: revoke it first, or choose another name")
        }
    }

    /// Every key, revoked ones included, oldest first.
    package func keys() async throws -> [ManagedKey] {
        try await database.query("SELECT \(Self.keyColumns) FROM ccp_keys ORDER BY id", []).map(Self.key(from:))
    }

    /// The key of that name that is not revoked, else the last one revoked; nil when there never was one.
    package func key(named name: String) async throws -> ManagedKey? {
        try await database.query(
            "SELECT \(Self.keyColumns) FROM ccp_keys WHERE name = $1 ORDER BY (revoked_at_ms IS NULL) DESC, id DESC LIMIT 1",
            [.text(name)]
        ).first.map(Self.key(from:))
    }

    /// Revokes the live key of that name and announces it; returns it as revoked.
    package func revokeKey(named name: String, now: Int64 = WallClock.milliseconds()) async throws -> ManagedKey {
        let rows = try await database.transaction { transaction in
            let rows = try await transaction.query(
                "UPDATE ccp_keys SET revoked_at_ms = $2 WHERE name = $1 AND revoked_at_ms IS NULL RETURNING \(Self.keyColumns)",
                [.text(name), .integer(now)])
            if !rows.isEmpty { try await transaction.announce(.keysChanged) }
            return rows
        }
        guard let row = rows.first else {
            if try await key(named: name) != nil { throw StoreError(.invalidRequest, "the key '\(name)' is already revoked") }
            throw StoreError.noSuchKey(name)
        }
        return Self.key(from: row)
    }

    static let keyColumns = "id, name, key_hash, created_at_ms, expires_at_ms, revoked_at_ms, budget_usd, budget_period, rpm, tpm, models"

    static func key(from row: SQLRow) -> ManagedKey {
        let limits = KeyLimits(
            budget: row.double(6), budgetPeriod: row.text(7).flatMap(BudgetPeriod.init(rawValue:)) ?? .month,
            requestsPerMinute: row.int(8).map(Int.init), tokensPerMinute: row.int(9).map(Int.init),
            models: row.text(10).map { $0.split(separator: ",").map(String.init) } ?? [])
        return ManagedKey(
            id: row.int(0) ?? 0, name: row.text(1) ?? "", keyHash: row.text(2) ?? "", createdAt: row.int(3) ?? 0, expiresAt: row.int(4),
            revokedAt: row.int(5), limits: limits)
    }
}

extension GatewayStore.NewKey {
    /// The first millisecond after the day `YYYY-MM-DD` (UTC): a key that expires on a day works through it.
    package static func expiry(day: String) -> Int64? {
        guard day.utf8.count == 10, let start = WallClock.parse(day) else { return nil }
        return start + 86_400_000
    }

    /// The models list as given on the command line: globs separated by commas, spaces around them ignored.
    package static func models(_ list: String) -> [String] {
        list.split(separator: ",").map { glob in
            String(glob.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }.filter { !$0.isEmpty }
    }
}
