import Logging
import ProxyCore
import StoreTestSupport
import Testing

@testable import ProxyStore

/// The store's operations against both real databases.
@Suite("store", .timeLimit(.minutes(2)))
struct GatewayStoreTests {
    @Test("migrations apply once; a second run finds nothing to do", arguments: StoreKind.available)
    func migrations(kind: StoreKind) async throws {
        try await TestStores.with(kind) { store, _ in
            #expect(try await store.migrate() == [1])
            #expect(try await store.migrate() == [])
            let versions = try await store.database.query("SELECT version FROM ccp_schema_migrations", []).compactMap { $0.int(0) }
            #expect(versions == [1])
        }
    }

    @Test("replicas that start at once migrate one after the other: exactly one applies the schema", arguments: StoreKind.available)
    func concurrentMigrations(kind: StoreKind) async throws {
        try await TestStores.with(kind) { store, settings in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        // Each "replica" has its own connections.
                        let replica = GatewayStore(settings: settings, logger: .init(label: "replica"))
                        return try await withThrowingTaskGroup(of: [Int]?.self) { inner in
                            inner.addTask {
                                await replica.database.run()
                                return nil
                            }
                            defer { inner.cancelAll() }
                            return try await replica.migrate()
                        }
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            #expect(applied.filter { $0 == [1] }.count == 1, "\(applied)")
            #expect(applied.filter(\.isEmpty).count == 4)
            #expect(try await store.migrate() == [])
        }
    }

    @Test(
        "a key is stored as its SHA-256 only; its name is unique among live keys and free again once revoked",
        arguments: StoreKind.available)
    func keys(kind: StoreKind) async throws {
        try await TestStores.with(kind) { store, _ in
            try await store.migrate()
            let limits = KeyLimits(budget: 20, budgetPeriod: .week, requestsPerMinute: 60, tokensPerMinute: 100_000, models: ["claude-*"])
            let (key, secret) = try await store.createKey(.init(name: "alice", limits: limits))
            #expect(secret.hasPrefix("sk-ccp-") && secret.count == 50)
            #expect(key.keyHash == KeySecret.hash(secret))
            // Nothing in the table is the secret or contains it.
            let stored = try await store.database.query("SELECT * FROM ccp_keys", [])
            #expect(stored.count == 1)
            #expect(!stored[0].values.contains { if case .text(let text) = $0 { return text.contains(secret) } else { return false } })

            let read = try #require(try await store.key(named: "alice"))
            #expect(read == key)
            #expect(read.limits == limits)

            await #expect(throws: StoreError.self) { try await store.createKey(.init(name: "alice")) }
            await #expect(throws: StoreError.self) { try await store.createKey(.init(name: "bad name!")) }
            await #expect(throws: StoreError.self) {
                try await store.createKey(.init(name: "bob", limits: KeyLimits(requestsPerMinute: 0)))
            }

            let revoked = try await store.revokeKey(named: "alice")
            #expect(revoked.revokedAt != nil)
            await #expect(throws: StoreError.self) { try await store.revokeKey(named: "alice") }
            await #expect(throws: StoreError.self) { try await store.revokeKey(named: "nobody") }
            let (again, _) = try await store.createKey(.init(name: "alice"))
            #expect(again.id != key.id)
            #expect(try await store.key(named: "alice")?.id == again.id)
            #expect(try await store.keys().map(\.name) == ["alice", "alice"])
        }
    }

    @Test(
        "counting a request returns every request and token of the key this minute and the last, and its spend",
        arguments: StoreKind.available)
    func counts(kind: StoreKind) async throws {
        try await TestStores.with(kind) { store, _ in
            try await store.migrate()
            let (key, _) = try await store.createKey(.init(name: "alice", limits: KeyLimits(budget: 1, budgetPeriod: .day)))
            let now = WallClock.milliseconds()
            let periodStart = BudgetPeriod.day.start(containing: now)
            let earlier = now - 60_000
            try await store.write([
                LedgerRow(
                    requestID: "req_1", at: earlier, keyID: key.id, keyName: "alice", usage: TokenUsage(inputTokens: 100, outputTokens: 10),
                    cost: 0.25, status: 200, latencyMilliseconds: 5, budgetPeriodStart: periodStart)
            ])
            _ = try await store.count(keyID: key.id, requests: 1, periodStart: periodStart, now: earlier)
            let first = try await store.count(keyID: key.id, requests: 1, periodStart: periodStart, now: now)
            let second = try await store.count(keyID: key.id, requests: 1, periodStart: periodStart, now: now)
            #expect(first.requests == 1 && second.requests == 2)
            #expect(second.previousRequests == 1 && second.previousTokens == 110)
            #expect(abs(second.spend - 0.25) < 1e-9 || BudgetPeriod.day.start(containing: earlier) != periodStart)
            let back = try await store.count(keyID: key.id, requests: -1, periodStart: periodStart, now: now)
            #expect(back.requests == 1)
        }
    }

    @Test("a ledger batch written twice counts once; the totals are the ledger's own sums", arguments: StoreKind.available)
    func ledger(kind: StoreKind) async throws {
        try await TestStores.with(kind) { store, _ in
            try await store.migrate()
            let (key, _) = try await store.createKey(.init(name: "alice", limits: KeyLimits(budget: 10, budgetPeriod: .total)))
            let now = WallClock.milliseconds()
            let rows = (0..<20).map { index in
                LedgerRow(
                    requestID: "req_\(index)", at: now, keyID: key.id, keyName: "alice", sessionID: "s1", requestClass: "main",
                    agentType: index == 0 ? "Explore" : nil, clientModel: "claude-opus-4-5", route: "openai/gpt-4o", provider: "openai",
                    upstreamModel: "gpt-4o",
                    usage: TokenUsage(inputTokens: 1000, outputTokens: 100, cacheCreationInputTokens: 10, cacheReadInputTokens: 500),
                    cost: 0.002, status: index < 18 ? 200 : 529, latencyMilliseconds: 1200, replica: "r1", budgetPeriodStart: 0)
            }
            #expect(try await store.write(rows) == 20)
            #expect(try await store.write(Array(rows.prefix(10))) == 0)
            let extra = LedgerRow(requestID: "req_static", at: now, keyName: "static:abcd1234", status: 200, latencyMilliseconds: 3)
            #expect(try await store.write(Array(rows.suffix(5)) + [extra]) == 1)

            #expect(try await store.database.query("SELECT COUNT(*) FROM ccp_usage", []).first?.int(0) == 21)
            #expect(abs(try await store.spend(keyID: key.id, periodStart: 0) - 0.04) < 1e-9)
            // Tokens count in the minute each request ended (1.2 s after it arrived).
            let minute = try await store.count(keyID: key.id, requests: 0, periodStart: 0, now: now + 1200)
            #expect(minute.tokens + minute.previousTokens == 20 * 1610)

            let usage = try await store.usage()
            #expect(usage.map(\.keyName) == ["alice", "static:abcd1234"])
            let alice = try #require(usage.first)
            #expect(alice.requests == 20 && alice.failed == 2)
            #expect(
                alice.usage
                    == TokenUsage(inputTokens: 20_000, outputTokens: 2000, cacheCreationInputTokens: 200, cacheReadInputTokens: 10_000))
            #expect(abs(alice.cost - 0.04) < 1e-9)
            #expect(try await store.usage(keyName: "static:abcd1234").map(\.requests) == [1])
            #expect(try await store.usage(since: now + 1).isEmpty)

            let row = try #require(
                try await store.database.query(
                    "SELECT session_id, request_class, agent_type, replica, route FROM ccp_usage WHERE request_id = 'req_0'", []
                ).first)
            #expect(row.values == [.text("s1"), .text("main"), .text("Explore"), .text("r1"), .text("openai/gpt-4o")])
        }
    }

    @Test("cooldowns: published, read back while running, gone once over", arguments: StoreKind.available)
    func cooldowns(kind: StoreKind) async throws {
        try await TestStores.with(kind) { store, _ in
            try await store.migrate()
            let now = WallClock.milliseconds()
            try await store.publish(.init(target: "openai/gpt-4o", key: "1a2b3c4d", until: now + 30_000))
            try await store.publish(.init(target: "openai/gpt-4o", key: "99999999", until: now - 1))
            #expect(try await store.cooldowns(now: now).map(\.key) == ["1a2b3c4d"])
            try await store.prune(now: now)
            #expect(try await store.database.query("SELECT COUNT(*) FROM ccp_cooldowns", []).first?.int(0) == 1)
        }
    }

    @Test("what one process changes, another hears: a new key, a revocation, a cooldown", arguments: StoreKind.available)
    func announcements(kind: StoreKind) async throws {
        try await TestStores.with(kind) { store, settings in
            try await store.migrate()
            let listener = GatewayStore(settings: settings, logger: .init(label: "listener"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await listener.database.run() }
                defer { group.cancelAll() }
                var signals = listener.database.changes().makeAsyncIterator()
                #expect(await signals.next() == .resync)
                _ = try await store.createKey(.init(name: "alice"))
                let heard = await signals.next()
                // PostgreSQL says what changed; SQLite only that something did.
                #expect(heard == (kind == .postgres ? .keysChanged : .resync))
                if kind == .postgres {
                    try await store.publish(.init(target: "openai/gpt-4o", key: "1a2b3c4d", until: 42))
                    #expect(await signals.next() == .cooldown(target: "openai/gpt-4o", key: "1a2b3c4d", untilMilliseconds: 42))
                }
            }
        }
    }
}
