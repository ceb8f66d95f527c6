/// Keeps a prompt that cannot fit away from the upstream: a request whose estimated prompt exceeds the
/// `context_window` of every target of its route is refused with the error Claude Code compacts on
/// (400 `invalid_request_error`, `prompt is too long: N tokens > M maximum`) instead of a paid upstream
/// failure; targets too small for it are skipped when another one fits.
package enum ContextWindowCheck {
    /// The estimate is raised by this fraction: the proxy counts characters, not the upstream's tokens, and
    /// code or JSON take more tokens per character than prose, so it errs towards compacting early.
    package static let margin = 0.1

    /// The prompt size the check compares with a context window: the estimate plus the margin.
    package static func conservativeTokens(_ estimated: Int) -> Int {
        estimated + Int((Double(estimated) * margin).rounded(.up))
    }

    /// The targets whose window fits the prompt (or is unknown), in their order.
    /// - Throws: the compaction error when no target fits.
    package static func targets(_ targets: [RouteTarget], fitting estimatedTokens: Int) throws(AnthropicError) -> [RouteTarget] {
        let tokens = conservativeTokens(estimatedTokens)
        let fitting = targets.filter { target in target.metadata.contextWindow.map { tokens <= $0 } ?? true }
        guard fitting.isEmpty, let largest = targets.max(by: { ($0.metadata.contextWindow ?? 0) < ($1.metadata.contextWindow ?? 0) }),
            let window = largest.metadata.contextWindow
        else {
            return fitting
        }
        throw AnthropicError.invalidRequest(
            "\(ContextOverflow.promptTooLong(tokens: tokens, maximum: window)) (the proxy's conservative estimate of the prompt, "
                + "\(estimatedTokens) tokens plus \(Int(margin * 100))%, exceeds the context_window of \(largest.label); not sent upstream)"
        )
    }
}
