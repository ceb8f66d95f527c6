import HTTPTypes
import ProxyConfig
import ProxyCore
import ProxyStore
import StoreTestSupport
import Testing

@testable import ProxyServer

/// Two replicas on one PostgreSQL store: what one learns, the other knows within moments.
@Suite("Replicas sharing a store", .enabled(if: StoreKind.postgres.isAvailable), .timeLimit(.minutes(1)))
struct SharedStateTests {
    static let keys = ["sk-pool-key-aaaa-0001", "sk-pool-key-bbbb-0002"]

    static func settings(_ urls: [String], store: String) throws -> ProxySettings {
        try ConfigFile.load(
            text: """
                server: { api_keys: ["\(GatewayFixture.staticKey)"] }
                store: { url: "\(store)" }
                providers:
                  pool: { type: openai, base_url: "\(urls[0])/v1", api_keys: ["\(keys[0])", "\(keys[1])"] }
                models:
                  - { match: "*", provider: pool, model: gpt-4o }
                """, file: "c.yaml", environment: [:])
    }

    static func keyUsed(_ received: MockUpstream.Received) -> Int? {
        keys.firstIndex { "Bearer \($0)" == received.headers[.authorization] }
    }

    @Test("a pool key that got a 429 on one replica is skipped by the other, which keeps the session's key otherwise")
    func cooldowns() async throws {
        let (settings, _) = try await TestStores.fresh(.postgres)
        guard case .postgres(let url) = settings.location else { return }
        let headers = GatewayFixture.key(GatewayFixture.staticKey) + [(name: "x-claude-code-session-id", value: "session-7")]
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, store: url) }) { first in
            try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, store: url) }) { second in
                try await waitUntil("both replicas are ready", seconds: 10) { first.gateway!.isReady && second.gateway!.isReady }
                first.upstream.script(.json(status: 429, body: ["error": ["message": "slow down"]], headers: [("retry-after", "30")]))
                let sent = ContinuousClock.now
                #expect(try await first.send("/v1/messages", json: GatewayFixture.request(), headers: headers).status == 200)
                let used = first.upstream.received.map(Self.keyUsed)
                let refusedKey = try #require(used.first ?? nil)
                #expect(used == [refusedKey, 1 - refusedKey])

                let target = try #require(second.live.snapshot.targets(for: RequestTraits(model: "claude-sonnet-4-5")).first)
                let hash = String(SHA256.hex(Self.keys[refusedKey]).prefix(8))
                try await waitUntil("the cooldown reaches the second replica", seconds: 1) {
                    second.live.cooldowns.isCooling(target, key: hash)
                }
                let propagation = ContinuousClock.now - sent
                #expect(propagation < .seconds(1), "cooldown took \(propagation)")
                #expect(try await second.send("/v1/messages", json: GatewayFixture.request(), headers: headers).status == 200)
                #expect(second.upstream.received.map(Self.keyUsed) == [1 - refusedKey], "the second replica went to the other key at once")
            }
        }
    }

    @Test("a key's rate limit holds across replicas: their requests count together")
    func rateLimitAcrossReplicas() async throws {
        let (settings, _) = try await TestStores.fresh(.postgres)
        guard case .postgres(let url) = settings.location else { return }
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, store: url) }) { first in
            try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, store: url) }) { second in
                try await waitUntil("both replicas are ready", seconds: 10) { first.gateway!.isReady && second.gateway!.isReady }
                let secret = try await first.createKey("alice", limits: KeyLimits(requestsPerMinute: 4))
                try await waitUntil("the second replica knows the key") {
                    if case .found = second.gateway!.directory.lookup(hash: KeySecret.hash(secret)) { return true }
                    return false
                }
                var statuses: [Int] = []
                for index in 0..<8 {
                    let replica = index.isMultiple(of: 2) ? first : second
                    statuses.append(
                        try await replica.send("/v1/messages", json: GatewayFixture.request(), headers: GatewayFixture.key(secret)).status)
                }
                #expect(statuses.filter { $0 == 200 }.count == 4, "\(statuses)")
                #expect(statuses.prefix(4).allSatisfy { $0 == 200 })
            }
        }
    }
}
