import ProxyCore
import Testing

@testable import ProxyServer

@Suite("The seed's token-usage log line")
struct UsageLogTests {
    @Test(
        "format, stream marker, estimate prefix and cached tokens",
        arguments: [
            (
                TokenUsage(inputTokens: 15, outputTokens: 42), false, false,
                "🎯 Token Usage | Model: claude-3-haiku → gpt-4o-mini | Input: 15 | Output: 42 | Total: 57"
            ),
            (
                TokenUsage(inputTokens: 23, outputTokens: 156), true, false,
                "🎯 Token Usage [Stream] | Model: claude-3-haiku → gpt-4o-mini | Input: 23 | Output: 156 | Total: 179"
            ),
            (
                TokenUsage(inputTokens: 118, outputTokens: 9), false, true,
                "📊 Using estimated tokens | 🎯 Token Usage | Model: claude-3-haiku → gpt-4o-mini | Input: 118 | Output: 9 | Total: 127"
            ),
            (
                TokenUsage(inputTokens: 200, outputTokens: 40, cacheReadInputTokens: 1000), true, false,
                "🎯 Token Usage [Stream] | Model: claude-3-haiku → gpt-4o-mini | Input: 1200 | Output: 40 | Total: 1240 | Cached: 1000"
            ),
        ])
    func line(usage: TokenUsage, streamed: Bool, estimated: Bool, expected: String) {
        let resolved = ResolvedUsage(usage: usage, estimated: estimated)
        #expect(UsageLog.line(clientModel: "claude-3-haiku", upstreamModel: "gpt-4o-mini", usage: resolved, streamed: streamed) == expected)
    }
}
