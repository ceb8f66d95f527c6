/// Anthropic's usage object. `inputTokens` excludes cached prompt tokens, unlike OpenAI's `prompt_tokens`.
public struct TokenUsage: Sendable, Equatable {
    /// Prompt tokens not read from or written to a cache.
    public var inputTokens: Int
    /// Generated tokens, reasoning included.
    public var outputTokens: Int
    /// Prompt tokens written to a cache.
    public var cacheCreationInputTokens: Int
    /// Prompt tokens read from a cache.
    public var cacheReadInputTokens: Int

    /// Counts; unset ones are 0.
    public init(inputTokens: Int = 0, outputTokens: Int = 0, cacheCreationInputTokens: Int = 0, cacheReadInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
    }

    /// All four keys, always: Claude Code 2.1.79+ rejected streams whose usage lacked the cache keys.
    package var json: JSONValue {
        [
            "input_tokens": .integer(Int64(inputTokens)),
            "output_tokens": .integer(Int64(outputTokens)),
            "cache_creation_input_tokens": .integer(Int64(cacheCreationInputTokens)),
            "cache_read_input_tokens": .integer(Int64(cacheReadInputTokens)),
        ]
    }
}
