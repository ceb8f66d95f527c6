import ProxyCore

extension ManagedKey {
    /// `active`, `revoked` or `expired` at `now`.
    package func status(at now: Int64) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, now >= expiresAt { return "expired" }
        return "active"
    }

    /// The key as the admin API and `keys … --json` show it (never its secret, which nothing keeps);
    /// `spend`, when given, is its spend in the current budget period.
    package func json(now: Int64 = WallClock.milliseconds(), spend: Double? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(name)), ("id", .integer(id)), ("status", .string(status(at: now))),
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

extension UsageSummary {
    /// One key's use, as the admin API and `keys usage --json` show it.
    package var json: JSONValue {
        [
            "key": keyName.map(JSONValue.string) ?? .null, "requests": .integer(requests), "failed": .integer(failed),
            "input_tokens": .integer(Int64(usage.inputTokens)), "output_tokens": .integer(Int64(usage.outputTokens)),
            "cache_read_tokens": .integer(Int64(usage.cacheReadInputTokens)),
            "cache_write_tokens": .integer(Int64(usage.cacheCreationInputTokens)), "cost_usd": .double(cost),
        ]
    }
}

extension GatewayStore.NewKey {
    /// The first millisecond after the day `YYYY-MM-DD` (UTC): a key that expires on a day works through it.
    package static func expiry(day: String) -> Int64? {
        guard day.utf8.count == 10, let start = WallClock.parse(day) else { return nil }
        return start + 86_400_000
    }

    /// The models list as given on the command line or in the admin API: globs separated by commas.
    package static func models(_ list: String) -> [String] {
        list.split(separator: ",").map { String($0.trimmingPrefix(" ")) }.filter { !$0.isEmpty }
    }
}

/// The start of a usage span: `YYYY-MM-DD`, an ISO 8601 time, or a span back from now (`30m`, `24h`, `7d`).
package enum UsageSince {
    package static func parse(_ text: String, now: Int64 = WallClock.milliseconds()) -> Int64? {
        if let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 {
            switch unit {
            case "m": return now - amount * 60_000
            case "h": return now - amount * 3_600_000
            case "d": return now - amount * 86_400_000
            default: break
            }
        }
        return WallClock.parse(text)
    }
}
