import ProxyCore
import ProxyStore
import StoreTestSupport
import Testing

@testable import ProxyServer

/// Managed client keys through the real server, against both real stores: who gets in, which models they
/// may use, and how their limits answer.
@Suite("Managed keys", .timeLimit(.minutes(2)))
struct ManagedKeyTests {
    typealias Fixture = GatewayFixture

    @Test("a managed key gets in; an unknown one is refused; a revoked one is refused within a second", arguments: StoreKind.available)
    func admission(kind: StoreKind) async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: kind, settings: { try Fixture.settings($0) }) { harness in
            let secret = try await harness.createKey("alice")
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200)
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(Fixture.staticKey)).status == 200)
            let unknown = try await harness.sendJSON("/v1/messages", json: Fixture.request(), headers: Fixture.key("sk-ccp-not-a-key"))
            #expect(unknown.status == 401)
            #expect(unknown.json["error"]?["type"]?.stringValue == "authentication_error")

            let revokedAt = ContinuousClock.now
            _ = try await harness.gateway!.store.revokeKey(named: "alice")
            try await waitUntil("the revocation reaches the proxy", seconds: 1.5) {
                try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 401
            }
            let elapsed = ContinuousClock.now - revokedAt
            // PostgreSQL announces it at once; this process's own SQLite commits are announced too.
            #expect(elapsed < .seconds(1), "revocation took \(elapsed)")
            let refused = try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret))
            #expect(String(decoding: refused.body, as: UTF8.self).contains("the key 'alice' was revoked on"))
            #expect(refused.headers.contains { $0.name == "x-should-retry" && $0.value == "false" })
        }
    }

    @Test("a key that has expired is refused, saying when")
    func expiry() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            let expiresAt = WallClock.milliseconds() + 2000
            let secret = try await harness.createKey("temp", expiresAt: expiresAt)
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200)
            try await Task.sleep(for: .milliseconds(max(0, expiresAt - WallClock.milliseconds()) + 50))
            let refused = try await harness.sendJSON("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret))
            #expect(refused.status == 401)
            #expect(refused.json["error"]?["message"]?.stringValue?.contains("the key 'temp' expired on") == true)
        }
    }

    @Test("a model outside the key's list is refused with 403 permission_error before it reaches the upstream")
    func modelList() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            let secret = try await harness.createKey("haiku-only", limits: KeyLimits(models: ["claude-haiku-*"]))
            #expect(
                try await harness.send("/v1/messages", json: Fixture.request(model: "claude-haiku-4-5"), headers: Fixture.key(secret))
                    .status == 200)
            let refused = try await harness.sendJSON(
                "/v1/messages", json: Fixture.request(model: "claude-opus-4-5"), headers: Fixture.key(secret))
            #expect(refused.status == 403)
            #expect(refused.json["error"]?["type"]?.stringValue == "permission_error")
            #expect(
                refused.json["error"]?["message"]?.stringValue
                    == "key 'haiku-only' may not use model 'claude-opus-4-5'; it may use: claude-haiku-*")
            #expect(harness.upstream.received.count == 1)
        }
    }

    @Test("requests per minute: past the limit a 429 with retry-after; refused requests do not count", arguments: StoreKind.available)
    func requestsPerMinute(kind: StoreKind) async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: kind, settings: { try Fixture.settings($0) }) { harness in
            let secret = try await harness.createKey("alice", limits: KeyLimits(requestsPerMinute: 3))
            var statuses: [Int] = []
            for _ in 0..<6 {
                statuses.append(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status)
            }
            // A minute may turn during the loop; the sliding window still admits no more than 3 in 60 s.
            #expect(statuses.prefix(3) == [200, 200, 200])
            #expect(statuses.dropFirst(3).allSatisfy { $0 == 429 })
            let refused = try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret))
            let retryAfter = refused.headers.first { $0.name == "retry-after" }.flatMap { Int($0.value) }
            #expect(retryAfter.map { (1...60).contains($0) } == true)
            #expect(
                String(decoding: refused.body, as: UTF8.self).contains(
                    "key 'alice' is over its limit of 3 requests per minute; it resets in"))
            #expect(harness.upstream.received.count == 3)
            let minute = KeyCounts.minute(of: WallClock.milliseconds())
            let store = harness.gateway!.store
            // Taken back in the background, just after each refusal was sent.
            try await waitUntil("the refused requests are taken back out of the count") {
                try await store.database.query(
                    "SELECT CAST(SUM(requests) AS BIGINT) FROM ccp_key_minutes WHERE minute >= $1", [.integer(minute - 1)]
                ).first?.int(0) == 3
            }
        }
    }

    @Test(
        "a budget: spend priced from the route's prices; once spent, the 429 Claude Code shows as a spend limit",
        arguments: StoreKind.available)
    func budget(kind: StoreKind) async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: kind, settings: { try Fixture.settings($0) }) { harness in
            let secret = try await harness.createKey("alice", limits: KeyLimits(budget: 0.005, budgetPeriod: .day))
            harness.upstream.script(.json(body: Fixture.pricedAnswer), .json(body: Fixture.pricedAnswer), .json(body: Fixture.pricedAnswer))
            // $0, $0.002, $0.004 spent before each: all under $0.005.
            for _ in 0..<3 {
                #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200)
            }
            let refused = try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret))
            #expect(refused.status == 429)
            let body = try JSONParser.parse(refused.body)
            #expect(body["error"]?["type"]?.stringValue == "rate_limit_error")
            let message = try #require(body["error"]?["message"]?.stringValue)
            #expect(message.hasPrefix("spend limit reached · resets "), "\(message)")
            #expect(message.contains("key 'alice' has spent $0.0060 of its $0.0050 budget per day"), "\(message)")
            let headers = Dictionary(refused.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
            #expect(headers["x-should-retry"] == "false")
            #expect(headers["anthropic-ratelimit-unified-overage-disabled-reason"] == "org_spend_cap_reached")
            #expect(
                headers["anthropic-ratelimit-unified-reset"].flatMap(Int64.init) == BudgetPeriod.day.end(
                    containing: WallClock.milliseconds())! / 1000)
            #expect(harness.upstream.received.count == 3)
            let spend = try await harness.gateway!.store.spend(
                keyID: 1, periodStart: BudgetPeriod.day.start(containing: WallClock.milliseconds()))
            #expect(abs(spend - 0.006) < 1e-9)
        }
    }

    @Test("concurrent requests: a budget is overshot by at most the requests in flight when it was reached")
    func overshootBound() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            // Worth 5 requests; 8 at a time, each taking 300 ms upstream.
            let secret = try await harness.createKey("alice", limits: KeyLimits(budget: 0.01, budgetPeriod: .day))
            harness.upstream.script(contentsOf: Array(repeating: .delayed(.milliseconds(300), body: Fixture.pricedAnswer), count: 40))
            let concurrency = 8
            var successes = 0
            for _ in 0..<5 {
                successes += try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<concurrency {
                        group.addTask {
                            try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 == 200 ? 1 : 0) }
                }
            }
            let spend = try await harness.gateway!.store.spend(
                keyID: 1, periodStart: BudgetPeriod.day.start(containing: WallClock.milliseconds()))
            #expect(successes >= 5, "the budget was worth 5 requests")
            #expect(successes <= 5 + concurrency, "overshoot beyond the requests in flight: \(successes) succeeded")
            #expect(spend <= 0.01 + Double(concurrency) * 0.002 + 1e-9)
            #expect(abs(spend - Double(successes) * 0.002) < 1e-9, "every success is priced in the spend")
        }
    }
}
