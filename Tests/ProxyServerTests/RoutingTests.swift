import HTTPTypes
import ProxyConfig
import ProxyCore
import Testing

/// Per-model provider switching and fallbacks, with config.yaml and two mock upstreams.
@Suite("Routing between providers", .timeLimit(.minutes(1)))
struct RoutingTests {
    static func config(_ urls: [String], fallback: Bool = false) throws -> ProxySettings {
        let text = """
            providers:
              first: { type: openai, base_url: "\(urls[0])/v1", api_key: k1 }
              second: { type: ollama, base_url: "\(urls[1])" }
            models:
              - match: "*haiku*"
                provider: first
                model: small-one
            \(fallback ? "    fallbacks: [ { provider: second, model: backup-one } ]" : "")
              - match: "*opus*"
                provider: second
                model: big-one
              - match: "*"
                provider: first
            """
        return try ConfigFile.load(text: text, file: "test.yaml", environment: [:])
    }

    static func request(_ model: String) -> JSONValue {
        ["model": .string(model), "max_tokens": 300, "messages": [["role": "user", "content": "hi"]]]
    }

    @Test("haiku and opus go to different providers, each with its own URL, auth and model")
    func perModelSwitching() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            let haiku = try await harness.send("/v1/messages", json: Self.request("claude-haiku-4-5"))
            let opus = try await harness.send("/v1/messages", json: Self.request("claude-opus-4-6"))
            #expect(haiku.status == 200)
            #expect(opus.status == 200)
            let first = harness.upstreams[0].received
            let second = harness.upstreams[1].received
            #expect(first.map { $0.body["model"] } == ["small-one"])
            #expect(first.first?.headers[.authorization] == "Bearer k1")
            #expect(second.map { $0.body["model"] } == ["big-one"])
            #expect(second.first?.path == "/v1/chat/completions")
            #expect(second.first?.headers[.authorization] == nil, "ollama needs no key")
            #expect(opus.headers.contains { $0.name == "x-proxy-route" && $0.value == "second/big-one" })
        }
    }

    @Test("a 429 or 5xx before the first byte falls back to the next target", arguments: [429, 500, 503])
    func fallbackOnUpstreamError(status: Int) async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0, fallback: true) }) { harness in
            harness.upstreams[0].script(.json(status: status, body: ["error": ["message": "busy"]]))
            let response = try await harness.send("/v1/messages", json: Self.request("claude-haiku-4-5"))
            #expect(response.status == 200)
            #expect(try JSONParser.parse(response.body)["content"] == [["type": "text", "text": "default reply"]])
            #expect(harness.upstreams[0].received.count == 1)
            #expect(harness.upstreams[1].received.map { $0.body["model"] } == ["backup-one"])
            #expect(response.headers.contains { $0.name == "x-proxy-route" && $0.value == "second/backup-one" })
        }
    }

    @Test("a 400 is the client's error and is not retried elsewhere")
    func noFallbackOnBadRequest() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0, fallback: true) }) { harness in
            harness.upstreams[0].script(.json(status: 400, body: ["error": ["message": "bad field"]]))
            let response = try await harness.send("/v1/messages", json: Self.request("claude-haiku-4-5"))
            #expect(response.status == 400)
            #expect(harness.upstreams[1].received.isEmpty)
        }
    }

    @Test("a refused connection falls back; the primary in cooldown after a 429 with retry-after is skipped next time")
    func fallbackOnConnectionRefusedAndCooldown() async throws {
        try await ProxyHarness.run(
            upstreamCount: 2,
            settings: { urls in
                var settings = try Self.config(urls, fallback: true)
                settings.providers[0].baseURL = "http://127.0.0.1:9/v1"  // nothing listens on the discard port
                return settings
            }
        ) { harness in
            let response = try await harness.send("/v1/messages", json: Self.request("claude-haiku-4-5"))
            #expect(response.status == 200)
            #expect(harness.upstreams[1].received.count == 1)
        }
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0, fallback: true) }) { harness in
            harness.upstreams[0].script(.json(status: 429, body: ["error": ["message": "slow down"]], headers: [("retry-after", "30")]))
            _ = try await harness.send("/v1/messages", json: Self.request("claude-haiku-4-5"))
            _ = try await harness.send("/v1/messages", json: Self.request("claude-haiku-4-5"))
            #expect(harness.upstreams[0].received.count == 1, "the cooling target is not asked again")
            #expect(harness.upstreams[1].received.count == 2)
        }
    }

    @Test("GET /v1/models lists each configured target under a claude- alias, which routes straight to it")
    func modelDiscovery() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            let list = try JSONParser.parse(try await harness.send("/v1/models", method: "GET").body)
            let ids = list["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(ids == ["claude-proxy-first-small-one", "claude-proxy-second-big-one"])
            #expect(list["has_more"] == false)
            #expect(list["first_id"] == "claude-proxy-first-small-one")
            #expect(list["last_id"] == "claude-proxy-second-big-one")
            #expect(list["data"]?.arrayValue?.first?["type"] == "model")
            let one = try await harness.send("/v1/models/claude-proxy-second-big-one", method: "GET")
            #expect(one.status == 200)
            #expect(try JSONParser.parse(one.body)["display_name"] == "big-one (second, ollama)")
            let missing = try await harness.send("/v1/models/claude-nope", method: "GET")
            #expect(missing.status == 404)
            #expect(try JSONParser.parse(missing.body)["error"]?["type"] == "not_found_error")
            let (status, reply) = try await harness.sendJSON("/v1/messages", json: Self.request("claude-proxy-second-big-one"))
            #expect(status == 200)
            #expect(reply["model"] == "claude-proxy-second-big-one")
            #expect(harness.upstreams[1].received.map { $0.body["model"] } == ["big-one"])
            #expect(harness.upstreams[0].received.isEmpty)
        }
    }

    @Test("a `when: { thinking: true }` route takes the requests that ask for thinking")
    func thinkingRoute() async throws {
        try await ProxyHarness.run(
            upstreamCount: 2,
            settings: { urls in
                let text = """
                    providers:
                      first: { type: openai, base_url: "\(urls[0])/v1", api_key: k1 }
                      second: { type: ollama, base_url: "\(urls[1])" }
                    models:
                      - match: "*"
                        when: { thinking: true }
                        provider: second
                        model: reasoner
                      - match: "*"
                        provider: first
                        model: plain
                    """
                return try ConfigFile.load(text: text, file: "test.yaml", environment: [:])
            }
        ) { harness in
            var thinking = Self.request("claude-opus-4-6")
            if case .object(var members) = thinking { members.append(("thinking", ["type": "adaptive"])); thinking = .object(members) }
            _ = try await harness.send("/v1/messages", json: thinking)
            _ = try await harness.send("/v1/messages", json: Self.request("claude-opus-4-6"))
            #expect(harness.upstreams[1].received.map { $0.body["model"] } == ["reasoner"])
            #expect(harness.upstreams[0].received.map { $0.body["model"] } == ["plain"])
        }
    }

    @Test("a target without its API key hands the request to the next fallback; without one, the 401 names the variable")
    func fallbackOnMissingKey() async throws {
        let config = { (urls: [String], fallback: Bool) throws -> ProxySettings in
            let text = """
                providers:
                  keyless: { type: openai, base_url: "\(urls[0])/v1", api_key: "${UNSET_TEST_KEY}" }
                  local: { type: ollama, base_url: "\(urls[1])" }
                models:
                  - match: "*"
                    provider: keyless
                    model: remote
                \(fallback ? "    fallbacks: [ { provider: local, model: nearby } ]" : "")
                """
            return try ConfigFile.load(text: text, file: "test.yaml", environment: [:])
        }
        try await ProxyHarness.run(upstreamCount: 2, settings: { try config($0, true) }) { harness in
            let response = try await harness.send("/v1/messages", json: Self.request("claude-opus-4-6"))
            #expect(response.status == 200)
            #expect(harness.upstreams[0].received.isEmpty)
            #expect(harness.upstreams[1].received.map { $0.body["model"] } == ["nearby"])
        }
        try await ProxyHarness.run(upstreamCount: 2, settings: { try config($0, false) }) { harness in
            let response = try await harness.send("/v1/messages", json: Self.request("claude-opus-4-6"))
            #expect(response.status == 401)
            #expect(String(decoding: response.body, as: UTF8.self).contains("UNSET_TEST_KEY"))
        }
    }
}
