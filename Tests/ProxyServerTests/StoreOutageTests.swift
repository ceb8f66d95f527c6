import Logging
import ProxyCore
import ProxyStore
import StoreTestSupport
import Testing

@testable import ProxyServer

/// What the proxy does when its PostgreSQL store goes away and comes back: the tests share a server of
/// their own, which each kills and restarts, one test at a time.
@Suite("Store outages", .serialized, .enabled(if: StoreKind.postgres.isAvailable), .timeLimit(.minutes(2)))
struct StoreOutageTests {
    typealias Fixture = GatewayFixture
    static let server = TestPostgres.outages

    /// A fresh database on the suite's server, brought back up if a test before left it down.
    static func freshDatabase() async throws -> String {
        if let url = try? await server.createDatabase() { return url }
        try await server.control("restart")
        return try await server.createDatabase()
    }

    /// The fixture's settings on `url`, with `store` keys added.
    static func settings(_ urls: [String], url: String, _ store: String = "") throws -> ProxySettings {
        try Fixture.settings(urls, store: "{ url: \"\(url)\"\(store.isEmpty ? "" : ", " + store) }")
    }

    /// A store on `url` of the test's own, for checking what reached the database.
    static func reading<Result: Sendable>(_ url: String, _ body: @Sendable (GatewayStore) async throws -> Result) async throws -> Result {
        let store = GatewayStore(settings: StoreSettings(location: .postgres(url: url)), logger: Logger(label: "reader"))
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await store.database.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    @Test("a store unreachable at start: static keys work, managed keys get 503 saying why, and once it is up they work")
    func unreachableAtStart() async throws {
        let url = try await Self.freshDatabase()
        try await Self.server.control("kill")
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, url: url) }) { harness in
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(Fixture.staticKey)).status == 200)
            let refused = try await harness.sendJSON(
                "/v1/messages", json: Fixture.request(), headers: Fixture.key("sk-ccp-some-managed-key"))
            #expect(refused.status == 503)
            #expect(
                refused.json["error"]?["message"]?.stringValue
                    == "the proxy has not been able to read its managed keys from its store yet; static keys still work")
            try await waitUntil("/health reports the store unreachable") {
                let probe = try JSONParser.parse(try await harness.send("/health", method: "GET").body)
                return probe["status"] == "healthy" && probe["store"]?.stringValue?.hasPrefix("unreachable for ") == true
            }

            // The proxy kept trying (with backoff, never giving up): once the server is up, it migrates the
            // schema and reads the keys, and a key made meanwhile works.
            try await Self.server.control("restart")
            let secret = try await Self.reading(url) { store in
                try await store.migrate()
                return try await store.createKey(.init(name: "late")).secret
            }
            try await waitUntil("the proxy reaches its store", seconds: 40) {
                try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200
            }
        }
    }

    @Test("the store down under load: answers are not held, rows wait in the queue, and all are written once it is back")
    func outageAndRecovery() async throws {
        let url = try await Self.freshDatabase()
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, url: url, "max_staleness: 60") }) { harness in
            try await waitUntil("the store is ready", seconds: 10) { harness.gateway!.isReady }
            let secret = try await harness.createKey("alice")
            let limited = try await harness.createKey("bob", limits: KeyLimits(requestsPerMinute: 2))
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200)

            try await Self.server.control("kill")
            var latencies: [Duration] = []
            for _ in 0..<10 {
                let started = ContinuousClock.now
                #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200)
                latencies.append(.now - started)
            }
            // The first may wait for its row up to store.ledger_wait (2 s) while the proxy finds out; none after it.
            #expect(latencies[0] < .seconds(3), "\(latencies)")
            #expect(latencies.dropFirst().allSatisfy { $0 < .milliseconds(500) }, "\(latencies)")
            // With the store down, this replica's own counts hold the key's rate limit.
            let statuses = try await (0..<3).asyncMap { _ in
                try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(limited)).status
            }
            #expect(statuses == [200, 200, 429])
            #expect(harness.gateway!.ledger.queueDepth >= 10)
            let health = try JSONParser.parse(try await harness.send("/health", method: "GET").body)
            #expect(health["store"]?.stringValue?.hasPrefix("unreachable") == true)

            try await Self.server.control("restart")
            try await waitUntil("the queued rows are written", seconds: 20) { harness.gateway!.ledger.queueDepth == 0 }
            let rows = try await Self.reading(url) { store in try await store.usage() }
            #expect(rows.first { $0.keyName == "alice" }?.requests == 11)
            #expect(rows.first { $0.keyName == "bob" }?.requests == 3)
        }
    }

    @Test("a full queue drops rows, counted, and never holds a request")
    func fullQueue() async throws {
        let url = try await Self.freshDatabase()
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, url: url, "queue_size: 3") }) { harness in
            try await waitUntil("the store is ready", seconds: 10) { harness.gateway!.isReady }
            try await Self.server.control("kill")
            for _ in 0..<6 {
                #expect(
                    try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(Fixture.staticKey)).status == 200)
            }
            let text = String(
                decoding: try await harness.send("/metrics", method: "GET", headers: Fixture.key(Fixture.staticKey)).body, as: UTF8.self)
            #expect(MetricsTests.value(text, #"claude_code_proxy_ledger_rows_total{outcome="dropped"}"#) == 3)
            #expect(MetricsTests.value(text, "claude_code_proxy_store_up") == 0)
            try await Self.server.control("restart")
            try await waitUntil("the queued rows are written", seconds: 20) { harness.gateway!.ledger.queueDepth == 0 }
            #expect(try await Self.reading(url) { try await $0.usage() }.first?.requests == 3)
        }
    }

    @Test("a graceful stop writes the rows still queued")
    func flushOnStop() async throws {
        let url = try await Self.freshDatabase()
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, url: url) }) { harness in
            try await waitUntil("the store is ready", seconds: 10) { harness.gateway!.isReady }
            try await Self.server.control("kill")
            for _ in 0..<5 {
                #expect(
                    try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(Fixture.staticKey)).status == 200)
            }
            #expect(harness.gateway!.ledger.queueDepth == 5)
            try await Self.server.control("restart")
            await harness.shutDownProxy()
            try await waitUntil("the stop wrote the queue", seconds: 15) {
                (try? await Self.reading(url) { try await $0.usage() }.first?.requests) == 5
            }
        }
    }

    @Test("past max_staleness managed keys are refused with 503, static keys still work; back in service when the store is")
    func staleness() async throws {
        let url = try await Self.freshDatabase()
        try await ProxyHarness.run(
            upstreamCount: 1, settings: { try Self.settings($0, url: url, "max_staleness: 2, refresh_interval: 1") }
        ) { harness in
            try await waitUntil("the store is ready", seconds: 10) { harness.gateway!.isReady }
            let secret = try await harness.createKey("alice")
            try await Self.server.control("kill")
            try await waitUntil("managed keys are refused", seconds: 10) {
                try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 503
            }
            let refused = try await harness.sendJSON("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret))
            #expect(refused.json["error"]?["message"]?.stringValue?.contains("longer than its max_staleness of 2 s") == true)
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(Fixture.staticKey)).status == 200)
            try await Self.server.control("restart")
            try await waitUntil("managed keys work again", seconds: 15) {
                try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200
            }
        }
    }
}

extension Sequence {
    /// `map`, one element after the other, for async work.
    func asyncMap<Mapped>(_ transform: (Element) async throws -> Mapped) async rethrows -> [Mapped] {
        var mapped: [Mapped] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
