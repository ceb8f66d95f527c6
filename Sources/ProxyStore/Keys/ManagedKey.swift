import ProxyCore

/// A client key issued by the proxy (`claude-code-proxy keys create`), as the store keeps it: its name, the
/// SHA-256 of the key (never the key), when it was made, expires or was revoked, and its limits.
package struct ManagedKey: Sendable, Equatable {
    package var id: Int64
    /// Unique among the keys that are not revoked; a revoked key's name may be given to a new key.
    package var name: String
    /// The SHA-256 of the key, in hex.
    package var keyHash: String
    package var createdAt: Int64
    /// Unix milliseconds from which the key is refused; nil: never.
    package var expiresAt: Int64?
    package var revokedAt: Int64?
    package var limits: KeyLimits

    package init(
        id: Int64, name: String, keyHash: String, createdAt: Int64, expiresAt: Int64? = nil, revokedAt: Int64? = nil,
        limits: KeyLimits = KeyLimits()
    ) {
        self.id = id
        self.name = name
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.limits = limits
    }

    /// The key's public name in logs: the first 8 hex digits of its SHA-256, like a provider pool's keys.
    package var shortHash: String { String(keyHash.prefix(8)) }

    /// Why the key is refused at `now`; nil when it may be used.
    package func refusal(at now: Int64) -> String? {
        if let revokedAt {
            return "the key '\(name)' was revoked on \(WallClock.iso(revokedAt))"
        }
        if let expiresAt, now >= expiresAt {
            return "the key '\(name)' expired on \(WallClock.iso(expiresAt))"
        }
        return nil
    }
}

/// What a managed key may spend and use: a budget per period, requests and tokens per minute, and the
/// client models it may ask for. Unset limits do not limit.
package struct KeyLimits: Sendable, Equatable {
    /// US dollars per `budgetPeriod`.
    package var budget: Double?
    package var budgetPeriod: BudgetPeriod
    /// Requests per minute.
    package var requestsPerMinute: Int?
    /// Tokens per minute: every input token, cached or not, and every output token.
    package var tokensPerMinute: Int?
    /// Globs (`claude-haiku-*`) over the client's model name; empty: any model.
    package var models: [String]

    package init(
        budget: Double? = nil, budgetPeriod: BudgetPeriod = .month, requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil,
        models: [String] = []
    ) {
        self.budget = budget
        self.budgetPeriod = budgetPeriod
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.models = models
    }

    /// Whether admitting a request needs the counts that replicas share.
    package var needsCounts: Bool { budget != nil || requestsPerMinute != nil || tokensPerMinute != nil }

    /// Whether the key may ask for `model`.
    package func allows(model: String) -> Bool {
        models.isEmpty || models.contains { Glob.matches($0.lowercased(), model.lowercased()) }
    }
}
