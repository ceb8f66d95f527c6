/// Anthropic's usage object. `inputTokens` excludes cached prompt tokens, unlike OpenAI's `prompt_tokens`.
public struct TokenUsage: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var cacheCreationInputTokens: Int
    public var cacheReadInputTokens: Int

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
