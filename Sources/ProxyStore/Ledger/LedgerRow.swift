import ProxyCore

/// One request in the usage ledger: who made it, what it asked for, where it went, what it used and cost,
/// and how it ended.
package struct LedgerRow: Sendable, Equatable {
    /// The proxy's `request-id` of the request: the row's identity, so a batch written twice (its commit
    /// unconfirmed when the connection dropped) counts once.
    package var requestID: String
    /// When the request arrived (Unix milliseconds); its spend counts in the budget period holding it.
    package var at: Int64
    /// The managed key's id; nil for a static key or none.
    package var keyID: Int64?
    /// The managed key's name, or `static:HASH8` for a key of `server.api_keys`.
    package var keyName: String
    package var sessionID: String?
    /// Claude Code's `x-claude-code-request-class` (main, compaction…) and `x-claude-code-agent-type`.
    package var requestClass: String?
    package var agentType: String?
    package var clientModel: String?
    /// `provider/model` of the target that answered.
    package var route: String?
    package var provider: String?
    package var upstreamModel: String?
    package var usage: TokenUsage
    /// US dollars, from the target's prices.
    package var cost: Double
    /// The HTTP status the client saw (for a stream that failed after it started: its error's status).
    package var status: Int
    package var latencyMilliseconds: Int64
    /// The replica that served it.
    package var replica: String?
    /// Where the key's current budget period started, when it has a budget: the spend total this row adds to.
    package var budgetPeriodStart: Int64?

    package init(
        requestID: String, at: Int64, keyID: Int64? = nil, keyName: String, sessionID: String? = nil, requestClass: String? = nil,
        agentType: String? = nil, clientModel: String? = nil, route: String? = nil, provider: String? = nil, upstreamModel: String? = nil,
        usage: TokenUsage = TokenUsage(), cost: Double = 0, status: Int, latencyMilliseconds: Int64, replica: String? = nil,
        budgetPeriodStart: Int64? = nil
    ) {
        self.requestID = requestID
        self.at = at
        self.keyID = keyID
        self.keyName = keyName
        self.sessionID = sessionID
        self.requestClass = requestClass
        self.agentType = agentType
        self.clientModel = clientModel
        self.route = route
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.usage = usage
        self.cost = cost
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.replica = replica
        self.budgetPeriodStart = budgetPeriodStart
    }

    /// When the request ended (Unix milliseconds): its tokens count in that minute of its key's token limit.
    package var endedAt: Int64 { at + latencyMilliseconds }

    /// Every token the request moved: what per-minute token limits count.
    package var totalTokens: Int {
        usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens
    }
}
