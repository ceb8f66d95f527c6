import Logging
import ProxyCore

/// The seed's token-usage line, at INFO:
/// `🎯 Token Usage | Model: claude-3-haiku → gpt-4o-mini | Input: 15 | Output: 42 | Total: 57`,
/// with `[Stream]` after "Usage" for streams and a `📊 Using estimated tokens` prefix when any count
/// is the proxy's estimate.
enum UsageLog {
    static func line(clientModel: String, upstreamModel: String, usage: ResolvedUsage, streamed: Bool) -> String {
        let input = usage.usage.inputTokens + usage.usage.cacheReadInputTokens + usage.usage.cacheCreationInputTokens
        let output = usage.usage.outputTokens
        var line = usage.estimated ? "📊 Using estimated tokens | " : ""
        line += "🎯 Token Usage\(streamed ? " [Stream]" : "") | Model: \(clientModel) → \(upstreamModel)"
        line += " | Input: \(input) | Output: \(output) | Total: \(input + output)"
        if usage.usage.cacheReadInputTokens > 0 { line += " | Cached: \(usage.usage.cacheReadInputTokens)" }
        return line
    }
}
