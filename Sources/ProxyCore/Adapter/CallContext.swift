/// What the proxy decided about a request before its adapter builds the upstream call.
public struct CallContext: Sendable {
    /// The provider's name in config.yaml, for the answer's error messages.
    public var provider: String
    /// The key to send, chosen by the proxy (the provider's key, one of its pool, a token from its
    /// `token_command`); nil when the provider has none and needs none (a local server).
    public var apiKey: String?
    /// The model name to send upstream: the route's `model`, or the client's model when the route has none.
    public var upstreamModel: String
    /// The output limit to send, after the proxy's rules (default, minimum, the target's `max_output_tokens`,
    /// `limits.max_tokens`); send it as it is.
    public var maxTokens: Int
    /// The proxy's estimate of the prompt in tokens, shown in `message_start` and used when the upstream
    /// reports no usage.
    public var estimatedInputTokens: Int
    /// Whether usage the upstream leaves out is filled with estimates (`limits.token_estimation`).
    public var estimatesUsage: Bool

    /// A context with every decision spelled out (tests and adapters that call other adapters).
    public init(
        provider: String = "", apiKey: String? = nil, upstreamModel: String, maxTokens: Int, estimatedInputTokens: Int = 0,
        estimatesUsage: Bool = true
    ) {
        self.provider = provider
        self.apiKey = apiKey
        self.upstreamModel = upstreamModel
        self.maxTokens = maxTokens
        self.estimatedInputTokens = estimatedInputTokens
        self.estimatesUsage = estimatesUsage
    }

    /// The usage to report for an answer: the upstream's counts, with estimates for the prompt and the
    /// output where the upstream reported none or zero (when estimation is on).
    ///
    /// - Parameter estimatedOutputTokens: the adapter's estimate of what it sent the client.
    public func resolvedUsage(reported: TokenUsage?, estimatedOutputTokens: Int) -> ResolvedUsage {
        var usage = reported ?? TokenUsage()
        var estimated = false
        if estimatesUsage {
            if usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens == 0 {
                usage.inputTokens = estimatedInputTokens
                estimated = true
            }
            if usage.outputTokens == 0, estimatedOutputTokens > 0 {
                usage.outputTokens = estimatedOutputTokens
                estimated = true
            }
        }
        return ResolvedUsage(usage: usage, estimated: estimated)
    }
}

/// An answer's final usage, and whether any count in it is the proxy's estimate.
public struct ResolvedUsage: Sendable, Equatable {
    /// The counts reported to the client.
    public var usage: TokenUsage
    /// Whether any count is the proxy's estimate (the usage log line says so).
    public var estimated: Bool

    /// Usage as decided; `CallContext.resolvedUsage(reported:estimatedOutputTokens:)` is the usual way.
    public init(usage: TokenUsage, estimated: Bool) {
        self.usage = usage
        self.estimated = estimated
    }
}
