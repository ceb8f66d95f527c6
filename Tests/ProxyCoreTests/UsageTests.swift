import Testing

@testable import ProxyCore

@Suite("Usage mapping, estimation and token limits (docs/translation.md §5.5, §3.8)")
struct UsageTests {
    @Test(
        "OpenAI-family usage maps to Anthropic usage with cached tokens subtracted",
        arguments: [
            (
                #"{"prompt_tokens":1200,"completion_tokens":40,"prompt_tokens_details":{"cached_tokens":1000}}"#,
                TokenUsage(inputTokens: 200, outputTokens: 40, cacheReadInputTokens: 1000)
            ),
            (
                #"{"prompt_tokens":1200,"completion_tokens":40,"prompt_cache_hit_tokens":900,"prompt_cache_miss_tokens":300}"#,
                TokenUsage(inputTokens: 300, outputTokens: 40, cacheReadInputTokens: 900)
            ),
            (
                #"{"prompt_tokens":1000,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":600,"cache_write_tokens":100}}"#,
                TokenUsage(inputTokens: 300, outputTokens: 5, cacheCreationInputTokens: 100, cacheReadInputTokens: 600)
            ),
            (#"{"prompt_tokens":10,"completion_tokens":2}"#, TokenUsage(inputTokens: 10, outputTokens: 2)),
            (#"{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":null}"#, TokenUsage(inputTokens: 10, outputTokens: 2)),
            (
                #"{"prompt_tokens":5,"completion_tokens":0,"prompt_tokens_details":{"cached_tokens":9}}"#,
                TokenUsage(inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 9)
            ),
            (#"{}"#, TokenUsage()),
        ]
    )
    func usageMapping(json: String, expected: TokenUsage) throws {
        #expect(UsageMapping.usage(fromOpenAI: try JSONParser.parse(json)) == expected)
    }

    @Test("no usage object means no usage", arguments: [nil, JSONValue.null, .string("x")])
    func missingUsage(value: JSONValue?) {
        #expect(UsageMapping.usage(fromOpenAI: value) == nil)
    }

    @Test("resolved usage fills zero input and output from estimates when enabled")
    func resolvedFillsWhenEnabled() {
        let resolved = CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 500, estimatesUsage: true).resolvedUsage(
            reported: nil, estimatedOutputTokens: 20)
        #expect(resolved.usage == TokenUsage(inputTokens: 500, outputTokens: 20))
        #expect(resolved.estimated)
    }

    @Test("resolved usage leaves zeros alone when estimation is disabled")
    func resolvedKeepsZerosWhenDisabled() {
        let resolved = CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 500, estimatesUsage: false).resolvedUsage(
            reported: TokenUsage(), estimatedOutputTokens: 20)
        #expect(resolved.usage == TokenUsage())
        #expect(!resolved.estimated)
    }

    @Test("resolved usage keeps real upstream numbers")
    func resolvedKeepsUpstream() {
        let upstream = TokenUsage(inputTokens: 7, outputTokens: 3, cacheReadInputTokens: 100)
        let resolved = CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 500, estimatesUsage: true).resolvedUsage(
            reported: upstream, estimatedOutputTokens: 20)
        #expect(resolved.usage == upstream)
        #expect(!resolved.estimated)
    }

    @Test("resolved usage does not replace an input of 0 when the prompt was fully cached")
    func resolvedFullCacheHit() {
        let upstream = TokenUsage(inputTokens: 0, outputTokens: 3, cacheReadInputTokens: 100)
        let resolved = CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 500, estimatesUsage: true).resolvedUsage(
            reported: upstream, estimatedOutputTokens: 20)
        #expect(resolved.usage.inputTokens == 0)
    }

    @Test(
        "token estimates: English ≈ chars/4, CJK ≈ chars/1.2, mixed ≈ chars/2.5",
        arguments: [
            (String(repeating: "word ", count: 80), 100),  // 400 characters
            (String(repeating: "文", count: 120), 100),
            (String(repeating: "日本語", count: 40), 100),
            (String(repeating: "文", count: 125) + String(repeating: "a", count: 125), 100),
            ("", 0),
            ("a", 1),
        ]
    )
    func estimates(text: String, expected: Int) {
        #expect(TokenEstimator.estimate(text: text) == expected)
    }

    @Test("TextTally counts streamed text like one estimate of the whole")
    func tallyIncremental() {
        var tally = TextTally()
        tally.add(String(repeating: "ab", count: 100))
        tally.add(String(repeating: "cd", count: 100))
        #expect(tally.tokens == TokenEstimator.estimate(text: String(repeating: "x", count: 400)))
    }

    @Test(
        "TextTally counts characters by script: CJK ~1.2 per token, other text ~4, mixed ~2.5",
        arguments: [
            ("你好世界", 4),  // 4 Han: 4 / 1.2 → 4
            ("こんにちは한국어ｶﾀｶﾅ", 10),  // kana, Hangul, half-width forms: 12 / 1.2
            ("héllo wörld 😀 ok!", 5),  // 17 scalars, none CJK (2- and 4-byte among them): 17 / 4 → 5
            ("abcdef你好", 4),  // 2 of 8 CJK: 8 / 2.5 → 4
            ("𠀀𠀁 ab", 2),  // 4-byte Han (extension B): 2 of 5 CJK: 5 / 2.5
        ]
    )
    func tallyByScript(text: String, tokens: Int) {
        var tally = TextTally()
        tally.add(text)
        #expect(tally.tokens == tokens)
    }

    @Test("the input estimate counts system, messages, tool results and tool definitions")
    func inputEstimateGrowsWithContent() throws {
        let small = try MessagesRequest(json: JSONParser.parse(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#))
        var larger = small
        larger.tools = [
            ToolDefinition(name: "Read", description: String(repeating: "describe ", count: 100), inputSchema: ["type": "object"])
        ]
        var withResult = small
        withResult.messages.append(
            InputMessage(
                role: .user, content: [.toolResult(toolUseID: "t", content: [.text(String(repeating: "x", count: 4000))], isError: false)]))
        let base = TokenEstimator.estimateInput(of: small)
        #expect(base >= 1)
        #expect(TokenEstimator.estimateInput(of: larger) > base + 200)
        #expect(TokenEstimator.estimateInput(of: withResult) > base + 900)
    }

    @Test(
        "upstream max_tokens: missing, ≤ 0 or below the minimum → default; capped at the limit",
        arguments: [
            (nil, 1024), (0, 1024), (-5, 1024), (50, 1024), (99, 1024), (100, 100), (4096, 4096), (16384, 16384), (32000, 16384),
        ] as [(Int?, Int)]
    )
    func upstreamMaxTokens(requested: Int?, expected: Int) {
        let limits = TokenLimits(maxTokensLimit: 16384, minTokensLimit: 100, defaultMaxTokens: 1024)
        #expect(limits.upstreamMaxTokens(requested: requested) == expected)
    }

    @Test("a default above the limit is capped too")
    func defaultCapped() {
        let limits = TokenLimits(maxTokensLimit: 4096, minTokensLimit: 100, defaultMaxTokens: 8192)
        #expect(limits.upstreamMaxTokens(requested: nil) == 4096)
    }

    @Test(
        "StopReason from finish_reason",
        arguments: [
            ("stop", false, StopReason.endTurn), ("stop", true, .toolUse), ("tool_calls", true, .toolUse), ("tool_calls", false, .endTurn),
            ("length", false, .maxTokens), ("length", true, .maxTokens), ("content_filter", false, .refusal), (nil, false, .endTurn),
            (nil, true, .toolUse), ("weird", false, .endTurn),
        ] as [(String?, Bool, StopReason)]
    )
    func stopReason(finish: String?, sawToolUse: Bool, expected: StopReason) {
        #expect(StopReason(finishReason: finish, sawToolUse: sawToolUse) == expected)
    }
}
