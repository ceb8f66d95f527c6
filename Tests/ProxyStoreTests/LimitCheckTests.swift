import ProxyCore
import Testing

@testable import ProxyStore

@Suite("limit checks")
struct LimitCheckTests {
    /// 2026-12-07T10:00:00Z, a minute's start.
    static let minuteStart: Int64 = 1_796_637_600_000

    static func key(_ limits: KeyLimits) -> ManagedKey {
        ManagedKey(id: 1, name: "alice", keyHash: "h", createdAt: 0, limits: limits)
    }

    @Test("a request within the rate limit passes; the one past it is refused with retry-after and the limit named")
    func requestsPerMinute() throws {
        let key = Self.key(KeyLimits(requestsPerMinute: 3))
        let now = Self.minuteStart + 20_000
        let minute = KeyCounts.minute(of: now)
        #expect(LimitCheck.refusal(for: key, counts: KeyCounts(minute: minute, requests: 3), now: now) == nil)
        let refusal = try #require(LimitCheck.refusal(for: key, counts: KeyCounts(minute: minute, requests: 4), now: now))
        #expect(refusal.limit == "rpm")
        #expect(refusal.error.status == 429)
        #expect(refusal.error.type == .rateLimit)
        // Three requests this minute, so the next fits once the window has moved past them: at the minute's
        // turn (40 s away) they become the previous minute's, weighed by what is still inside the window.
        let retryAfter = try #require(refusal.error.headers.first { $0.name == "retry-after" }.flatMap { Int($0.value) })
        #expect(retryAfter == 60)
        #expect(refusal.error.message.hasPrefix("key 'alice' is over its limit of 3 requests per minute; it resets in 60 s (at "))
    }

    @Test("the previous minute counts by the part of it still in the last 60 s, so a key cannot double its rate at a minute's turn")
    func slidingWindow() throws {
        let key = Self.key(KeyLimits(requestsPerMinute: 10))
        let minute = KeyCounts.minute(of: Self.minuteStart)
        // 15 s into the minute, 3/4 of the previous minute is still in the window: 10 × 0.75 + 3 = 10.5 > 10.
        let early = Self.minuteStart + 15_000
        let refusal = try #require(
            LimitCheck.refusal(for: key, counts: KeyCounts(minute: minute, requests: 3, previousRequests: 10), now: early))
        // Without this request, 2 + 10 × (1 - t / 60) ≤ 9 from t = 18 s, 3 s from now.
        #expect(refusal.error.headers.contains(HTTPHeader("retry-after", "3")))
        // 45 s in, only a quarter of it is: 10 × 0.25 + 3 = 5.5.
        #expect(
            LimitCheck.refusal(
                for: key, counts: KeyCounts(minute: minute, requests: 3, previousRequests: 10), now: Self.minuteStart + 45_000) == nil)
    }

    @Test("tokens per minute: refused once the window's tokens reach the limit")
    func tokensPerMinute() throws {
        let key = Self.key(KeyLimits(tokensPerMinute: 1000))
        let now = Self.minuteStart + 30_000
        let minute = KeyCounts.minute(of: now)
        #expect(LimitCheck.refusal(for: key, counts: KeyCounts(minute: minute, requests: 1, tokens: 999), now: now) == nil)
        let refusal = try #require(LimitCheck.refusal(for: key, counts: KeyCounts(minute: minute, requests: 1, tokens: 1000), now: now))
        #expect(refusal.limit == "tpm")
        #expect(refusal.error.message.contains("its limit of 1000 tokens per minute"))
        // 1000 tokens this minute leave the window by the minute's turn plus a moment: 30 s from now, they weigh 1000 × (1 - 0/60).
        let wait = try #require(refusal.error.headers.first { $0.name == "retry-after" }.flatMap { Int($0.value) })
        #expect((31...60).contains(wait))
    }

    @Test("a budget spent: 429 in the shape Claude Code shows as a spend limit, not retried, with the reset")
    func budget() throws {
        let key = Self.key(KeyLimits(budget: 20, budgetPeriod: .day))
        let now = Self.minuteStart
        let minute = KeyCounts.minute(of: now)
        #expect(LimitCheck.refusal(for: key, counts: KeyCounts(minute: minute, requests: 1, spend: 19.99), now: now) == nil)
        let refusal = try #require(LimitCheck.refusal(for: key, counts: KeyCounts(minute: minute, requests: 1, spend: 20.013), now: now))
        #expect(refusal.limit == "budget")
        #expect(refusal.error.type == .rateLimit)
        #expect(
            refusal.error.message
                == "spend limit reached · resets Dec 8 · key 'alice' has spent $20.01 of its $20.00 budget per day (until 2026-12-08T00:00:00Z)"
        )
        let headers = Dictionary(uniqueKeysWithValues: refusal.error.headers.map { ($0.name, $0.value) })
        #expect(headers["x-should-retry"] == "false")
        #expect(headers["retry-after"] == "50400")  // 14 hours to midnight UTC
        #expect(headers["anthropic-ratelimit-unified-reset"] == "1796688000")
        #expect(headers["anthropic-ratelimit-unified-status"] == "rejected")
        #expect(headers["anthropic-ratelimit-unified-overage-disabled-reason"] == "org_spend_cap_reached")
        #expect(headers["anthropic-ratelimit-unified-overage-period"] == "daily")
        // Claude Code composes its own text when these are present, dropping the message.
        #expect(headers["anthropic-ratelimit-unified-representative-claim"] == nil)
        #expect(headers["anthropic-ratelimit-unified-overage-status"] == nil)
    }

    @Test("a total budget never resets: no retry-after, and the message says so")
    func totalBudget() throws {
        let key = Self.key(KeyLimits(budget: 5, budgetPeriod: .total))
        let refusal = try #require(
            LimitCheck.refusal(for: key, counts: KeyCounts(minute: 0, requests: 1, spend: 5), now: Self.minuteStart))
        #expect(!refusal.error.headers.contains { $0.name == "retry-after" })
        #expect(refusal.error.message.contains("$5.00 of its $5.00 budget in total, which does not reset"))
    }

    @Test("the budget is checked before the rates: a spent key is told the limit that lasts")
    func budgetFirst() throws {
        let key = Self.key(KeyLimits(budget: 1, requestsPerMinute: 1))
        let refusal = try #require(
            LimitCheck.refusal(for: key, counts: KeyCounts(minute: 0, requests: 5, spend: 2), now: Self.minuteStart))
        #expect(refusal.limit == "budget")
    }

    @Test("dollars are written with cents, and below a cent with four decimals")
    func dollars() {
        #expect(Dollars.text(20) == "$20.00")
        #expect(Dollars.text(3.456) == "$3.46")
        #expect(Dollars.text(0.0042) == "$0.0042")
        #expect(Dollars.text(0) == "$0.00")
    }

    @Test("the model list is globs over the client's model name, case-insensitive; empty allows any")
    func modelList() {
        let limits = KeyLimits(models: ["claude-haiku-*", "claude-sonnet-4-5"])
        #expect(limits.allows(model: "claude-haiku-4-5-20251001"))
        #expect(limits.allows(model: "Claude-Sonnet-4-5"))
        #expect(!limits.allows(model: "claude-opus-4-5"))
        #expect(KeyLimits().allows(model: "anything"))
    }
}
