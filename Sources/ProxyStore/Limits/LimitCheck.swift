import ProxyCore

/// Whether a managed key may make one more request, from its counts: requests and tokens per minute over
/// a sliding minute, and its spend in the budget period. A refusal is the 429 Claude Code shows: which limit,
/// when it resets, and `retry-after` in whole seconds.
///
/// The sliding minute weighs the previous minute's count by the part of it still inside the last 60 s (a
/// request 40 s into a minute sees the previous minute at 1/3), so a key cannot double its rate around a
/// minute's turn.
package enum LimitCheck {
    /// A limit a request was refused for, and the error that says so.
    package struct Refusal: Sendable, Equatable {
        /// `rpm`, `tpm` or `budget`: the metrics' `limit` label.
        package var limit: String
        package var error: AnthropicError
    }

    /// The refusal, or nil to admit. `counts.requests` includes the request being checked.
    package static func refusal(for key: ManagedKey, counts: KeyCounts, now: Int64) -> Refusal? {
        let limits = key.limits
        if let budget = limits.budget, counts.spend >= budget {
            return Refusal(limit: "budget", error: budgetRefusal(key: key, budget: budget, spend: counts.spend, now: now))
        }
        let elapsed = now - counts.minute * 60_000
        if let rpm = limits.requestsPerMinute {
            let current = Double(counts.requests)
            if estimate(current: current, previous: Double(counts.previousRequests), elapsed: elapsed) > Double(rpm) {
                // Without this request, once `rpm - 1` requests or fewer are left in the window another fits.
                let wait = secondsUntil(current: current - 1, previous: Double(counts.previousRequests), elapsed: elapsed) {
                    $0 <= Double(rpm - 1)
                }
                return Refusal(limit: "rpm", error: rateRefusal(key: key, what: "\(rpm) requests per minute", wait: wait, now: now))
            }
        }
        if let tpm = limits.tokensPerMinute {
            let current = Double(counts.tokens)
            if estimate(current: current, previous: Double(counts.previousTokens), elapsed: elapsed) >= Double(tpm) {
                let wait = secondsUntil(current: current, previous: Double(counts.previousTokens), elapsed: elapsed) { $0 < Double(tpm) }
                return Refusal(limit: "tpm", error: rateRefusal(key: key, what: "\(tpm) tokens per minute", wait: wait, now: now))
            }
        }
        return nil
    }

    /// The count over the last 60 s: this minute's, and the previous minute's part still inside the window.
    static func estimate(current: Double, previous: Double, elapsed: Int64) -> Double {
        current + previous * max(0, 1 - Double(elapsed) / 60_000)
    }

    /// The whole seconds from now until `fits` holds for the window's count, if nothing more is counted
    /// meanwhile; at most 60 (by then the counts so far have left the window).
    static func secondsUntil(current: Double, previous: Double, elapsed: Int64, fits: (Double) -> Bool) -> Int {
        for wait in 1...60 {
            let at = elapsed + Int64(wait) * 1000
            let count =
                at < 60_000
                ? estimate(current: current, previous: previous, elapsed: at)
                : estimate(current: 0, previous: current, elapsed: at - 60_000)
            if fits(count) { return wait }
        }
        return 60
    }

    private static func rateRefusal(key: ManagedKey, what: String, wait: Int, now: Int64) -> AnthropicError {
        AnthropicError(
            .rateLimit,
            "key '\(key.name)' is over its limit of \(what); it resets in \(wait) s (at \(WallClock.iso(now + Int64(wait) * 1000)))",
            headers: [HTTPHeader("retry-after", String(wait))])
    }

    /// The 429 Claude Code shows as a spend limit: `spend limit reached · resets Dec 8 · …` (it rewrites the
    /// date into the user's local time from `anthropic-ratelimit-unified-reset`), not retried
    /// (`x-should-retry: false`, and `org_spend_cap_reached`).
    private static func budgetRefusal(key: ManagedKey, budget: Double, spend: Double, now: Int64) -> AnthropicError {
        let period = key.limits.budgetPeriod
        let spent = "key '\(key.name)' has spent \(Dollars.text(spend)) of its \(Dollars.text(budget)) budget \(period.phrase)"
        var headers = [
            HTTPHeader("x-should-retry", "false"), HTTPHeader("anthropic-ratelimit-unified-status", "rejected"),
            HTTPHeader("anthropic-ratelimit-unified-overage-disabled-reason", "org_spend_cap_reached"),
        ]
        guard let end = period.end(containing: now) else {
            return AnthropicError(
                .rateLimit, "spend limit reached · \(spent), which does not reset: ask the proxy's admin for a larger budget or a new key",
                headers: headers)
        }
        let resetSeconds = (end + 999) / 1000
        headers += [
            HTTPHeader("retry-after", String(max(1, resetSeconds - now / 1000))),
            HTTPHeader("anthropic-ratelimit-unified-reset", String(resetSeconds)),
            HTTPHeader("anthropic-ratelimit-unified-overage-period", period.adjective),
        ]
        return AnthropicError(
            .rateLimit, "spend limit reached · resets \(WallClock.monthDay(end)) · \(spent) (until \(WallClock.iso(end)))",
            headers: headers)
    }
}
