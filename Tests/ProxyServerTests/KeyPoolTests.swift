import HTTPTypes
import ProxyConfig
import ProxyCore
import Testing

/// A provider with several keys (`api_keys`): requests spread over them, a session keeps to one, and a
/// key the upstream refuses (429, 401) cools down while the request moves to the next key.
@Suite("Key pools", .timeLimit(.minutes(1)))
struct KeyPoolTests {
    static let keys = ["sk-pool-key-aaaa-0001", "sk-pool-key-bbbb-0002", "sk-pool-key-cccc-0003"]

    static func config(_ urls: [String], fallback: Bool = false) throws -> ProxySettings {
        let text = """
            server: { metrics: open }
            providers:
              pool: { type: openai, base_url: "\(urls[0])/v1", api_keys: ["\(keys[0])", "\(keys[1])", "\(keys[2])"] }
              spare: { type: ollama, base_url: "\(urls[1])" }
            models:
              - match: "*"
                provider: pool
                model: gpt-4o
            \(fallback ? "    fallbacks: [ { provider: spare, model: backup } ]" : "")
            """
        return try ConfigFile.load(text: text, file: "test.yaml", environment: [:])
    }

    static let request: JSONValue = ["model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [["role": "user", "content": "hi"]]]

    /// The key each call to the pool's upstream carried, by its index in `keys`.
    static func keysUsed(_ upstream: MockUpstream) -> [Int?] {
        upstream.received.map { received in
            keys.firstIndex { "Bearer \($0)" == received.headers[.authorization] }
        }
    }

    static func session(_ id: String) -> [(name: String, value: String)] {
        [(name: "x-claude-code-session-id", value: id)]
    }

    @Test("requests without a session take the keys in turn")
    func roundRobin() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            for _ in 0..<6 {
                let status = try await harness.send("/v1/messages", json: Self.request).status
                #expect(status == 200)
            }
            #expect(Self.keysUsed(harness.upstreams[0]) == [0, 1, 2, 0, 1, 2])
        }
    }

    @Test("a session keeps to one key; sessions spread over the pool")
    func sessionAffinity() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            var keyOfSession: [String: Int?] = [:]
            for index in 0..<12 {
                let id = "session-\(index % 6)"
                let status = try await harness.send("/v1/messages", json: Self.request, headers: Self.session(id)).status
                #expect(status == 200)
                let used = Self.keysUsed(harness.upstreams[0]).last ?? nil
                #expect(used != nil)
                if let earlier = keyOfSession[id] { #expect(earlier == used, "\(id) changed keys") }
                keyOfSession[id] = used
            }
            #expect(Set(keyOfSession.values.compactMap { $0 }).count > 1, "six sessions all on one key: \(keyOfSession)")
        }
    }

    @Test("a 429 moves the request to the next key before anything reaches the client, and that key cools down")
    func rateLimitedKeyCoolsDown() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0, fallback: true) }) { harness in
            harness.upstreams[0].script(.json(status: 429, body: ["error": ["message": "slow down"]], headers: [("retry-after", "30")]))
            let first = try await harness.sendJSON("/v1/messages", json: Self.request)
            #expect(first.status == 200)
            #expect(first.json["content"] == [["type": "text", "text": "default reply"]])
            for _ in 0..<4 {
                let status = try await harness.send("/v1/messages", json: Self.request).status
                #expect(status == 200)
            }
            let used = Self.keysUsed(harness.upstreams[0])
            #expect(used.prefix(2) == [0, 1], "the refused request retried on the next key")
            #expect(used.filter { $0 == 0 }.count == 1, "the cooling key is not used again: \(used)")
            #expect(used.count == 6)
            #expect(harness.upstreams[1].received.isEmpty, "the pool had keys left; the fallback was not needed")
            let metrics = String(decoding: try await harness.send("/metrics", method: "GET").body, as: UTF8.self)
            let refused = String(SHA256.hex(Self.keys[0]).prefix(8))
            let calls = "claude_code_proxy_upstream_calls_total"
            #expect(MetricsTests.value(metrics, #"\#(calls){provider="pool",key="\#(refused)",status="429"}"#) == 1)
            #expect(MetricsTests.value(metrics, #"\#(calls){provider="pool",key="\#(refused)",status="200"}"#) == nil)
            let others = Self.keys.dropFirst().map { String(SHA256.hex($0).prefix(8)) }
            #expect(
                others.compactMap { MetricsTests.value(metrics, #"\#(calls){provider="pool",key="\#($0)",status="200"}"#) }.reduce(0, +)
                    == 5)
            #expect(MetricsTests.value(metrics, "claude_code_proxy_cooldowns_active") == 1)
            #expect(MetricsTests.value(metrics, #"claude_code_proxy_fallbacks_total{provider="pool",model="gpt-4o"}"#) == nil)
            #expect(!Self.keys.contains { metrics.contains($0) }, "metrics name keys by their hash only")
        }
    }

    @Test("a 401 moves to the next key; when every key is refused the client gets the 401, the key in it redacted")
    func refusedKeys() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0, fallback: true) }) { harness in
            harness.upstreams[0].script(
                .json(status: 401, body: ["error": ["message": .string("Incorrect API key provided: \(Self.keys[0])")]]))
            #expect(try await harness.send("/v1/messages", json: Self.request).status == 200)
            #expect(Self.keysUsed(harness.upstreams[0]) == [0, 1])
            harness.upstreams[0].script(
                .json(status: 401, body: ["error": ["message": .string("Incorrect API key provided: \(Self.keys[1])")]]),
                .json(status: 401, body: ["error": ["message": .string("Incorrect API key provided: \(Self.keys[2])")]]),
                .json(status: 401, body: ["error": ["message": .string("Incorrect API key provided: \(Self.keys[0])")]]))
            let refused = try await harness.send("/v1/messages", json: Self.request)
            #expect(refused.status == 401)
            let body = String(decoding: refused.body, as: UTF8.self)
            #expect(body.contains("authentication_error"))
            #expect(body.contains("Incorrect API key provided: [REDACTED]"))
            #expect(!Self.keys.contains { body.contains($0) })
            // Each key was tried once: the two healthy ones first, the one cooling after its 401 last.
            #expect(Self.keysUsed(harness.upstreams[0]).suffix(3) == [1, 2, 0])
            #expect(harness.upstreams[1].received.isEmpty, "a refused key is not the fallback's business")
        }
    }

    @Test("every key of a pool is a secret the redactor knows")
    func poolKeysRedacted() throws {
        let settings = try Self.config(["http://127.0.0.1:9", "http://127.0.0.1:9"])
        let redactor = SecretRedactor(settings: settings)
        #expect(redactor.redact("a \(Self.keys[0]) b \(Self.keys[1]) c \(Self.keys[2])") == "a [REDACTED] b [REDACTED] c [REDACTED]")
    }
}
