/// What the adapter and the provider's quirks decide about one chat-completions body.
///
/// An adapter sets the fields its service or model needs in `ChatCompletionsAdapter.requestOptions`; the
/// provider's configured quirks are applied over them.
public struct ChatCompletionsOptions: Sendable {
    /// The `model` field.
    public var upstreamModel: String
    /// The output limit to send.
    public var maxTokens: Int
    /// The field that carries `maxTokens`: `max_completion_tokens` for OpenAI reasoning models, `max_tokens` elsewhere.
    public var maxTokensField: String
    /// Leave out `temperature`, `top_p` and `stop`, which reasoning models reject.
    public var omitSamplingParameters: Bool
    /// Ask for usage in the stream (`stream_options.include_usage`).
    public var includeStreamUsage: Bool
    /// Whether the model takes `reasoning_effort` (non-reasoning OpenAI models reject it).
    public var acceptsReasoningEffort: Bool
    /// Send `prompt_cache_key` (OpenAI, Azure): requests of one session reach the same cache.
    public var sendPromptCacheKey = false
    /// Merge adjacent user messages, for chat templates that demand strict alternation (local servers).
    public var mergeConsecutiveUsers = false
    /// Whether the service's prompt count is right. False for one that reports only the uncached part of
    /// a prompt (Ollama on a prefix-cache hit): a count below half the proxy's estimate is then replaced
    /// by the estimate, or Claude Code would think the context nearly empty.
    public var trustsPromptCount = true
    /// The provider's configured quirks, read where each is used.
    package var quirks = ProviderQuirks()

    /// The options of a plain OpenAI-compatible service; change what your service needs.
    public init(
        upstreamModel: String, maxTokens: Int, maxTokensField: String = "max_tokens",
        omitSamplingParameters: Bool = false, includeStreamUsage: Bool = true, acceptsReasoningEffort: Bool = false
    ) {
        self.upstreamModel = upstreamModel
        self.maxTokens = maxTokens
        self.maxTokensField = maxTokensField
        self.omitSamplingParameters = omitSamplingParameters
        self.includeStreamUsage = includeStreamUsage
        self.acceptsReasoningEffort = acceptsReasoningEffort
    }
}
