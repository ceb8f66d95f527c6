import ProxyCore

extension ManagedKey {
    /// `active`, `revoked` or `expired` at `now`.
    package func status(at now: Int64) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, now >= expiresAt { return "expired" }
        return "active"
    }

    /// The key as the admin API and `keys … --json` show it: its secret only when it was just made (`secret`;
    /// nothing keeps it); `spend`, when given, is its spend in the current budget period.
    package func json(now: Int64 = WallClock.milliseconds(), spend: Double? = nil, secret: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("name", .string(name))]
        if let secret { members.append(("key", .string(secret))) }
        members += [
            ("id", .integer(id)), ("status", .string(status(at: now))),
            ("created_at", .string(WallClock.iso(createdAt))),
            ("expires_at", expiresAt.map { .string(WallClock.iso($0)) } ?? .null),
            ("revoked_at", revokedAt.map { .string(WallClock.iso($0)) } ?? .null),
            ("budget_usd", limits.budget.map(JSONValue.double) ?? .null),
            ("budget_period", limits.budget == nil ? .null : .string(limits.budgetPeriod.rawValue)),
            ("rpm", limits.requestsPerMinute.map { .integer(Int64($0)) } ?? .null),
            ("tpm", limits.tokensPerMinute.map { .integer(Int64($0)) } ?? .null),
            ("models", .array(limits.models.map(JSONValue.string))),
        ]
        if let spend {
            members.append(("spend_usd", .double(spend)))
            members.append(("period_start", .string(WallClock.iso(limits.budgetPeriod.start(containing: now)))))
        }
        return .object(members)
    }
}
