import ProxyConfig
import ProxyCore
import Testing

/// What Claude Code asks a gateway beyond `/v1/messages`: model discovery with the configured metadata,
/// bootstrap, the compaction error before an oversized prompt goes upstream, sub-agent routes, `[1m]`.
@Suite("Claude Code as a gateway client", .timeLimit(.minutes(1)))
struct ClaudeCodeGatewayTests {
    static func config(_ urls: [String]) throws -> ProxySettings {
        let text = """
            providers:
              small: { type: openai, base_url: "\(urls[0])/v1", api_key: k1 }
              big: { type: openai, base_url: "\(urls[1])/v1", api_key: k2 }
            models:
              - match: "*"
                when: { subagent: true }
                provider: big
                model: agent-model
              - match: "*haiku*"
                provider: small
                model: tiny
                context_window: 1000
                max_output_tokens: 512
                display_name: Tiny
                vision: true
                thinking: true
                effort: [low, high]
              - match: "*"
                provider: small
                model: main
                context_window: 2000
                fallbacks: [ { provider: big, model: wide, context_window: 100000, input_cost_per_mtok: 2.5, output_cost_per_mtok: 10 } ]
            """
        return try ConfigFile.load(text: text, file: "test.yaml", environment: [:])
    }

    static func request(_ model: String, text: String = "hi", system: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("model", .string(model)), ("max_tokens", 100), ("messages", [["role": "user", "content": .string(text)]]),
        ]
        if let system { members.append(("system", [["type": "text", "text": .string(system)]])) }
        return .object(members)
    }

    @Test("/v1/models serves the configured metadata in Anthropic's shape, with limit and cursors")
    func discovery() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            let list = try JSONParser.parse(try await harness.send("/v1/models?limit=1000", method: "GET").body)
            let ids = list["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(ids == ["claude-proxy-big-agent-model", "claude-proxy-small-tiny", "claude-proxy-small-main", "claude-proxy-big-wide"])
            let tiny = list["data"]?.arrayValue?[1]
            #expect(tiny?["display_name"] == "Tiny")
            #expect(tiny?["description"] == "small/tiny via claude-code-proxy · 1000 context")
            #expect(list["data"]?.arrayValue?[0]["description"] == "big/agent-model via claude-code-proxy")
            #expect(
                list["data"]?.arrayValue?[3]["description"] == "big/wide via claude-code-proxy · 100K context · $2.50 / $10.00 per Mtok")
            #expect(tiny?["max_input_tokens"] == 1000)
            #expect(tiny?["max_tokens"] == 512)
            #expect(tiny?["capabilities"]?["image_input"] == ["supported": true])
            #expect(tiny?["capabilities"]?["thinking"]?["supported"] == true)
            #expect(tiny?["capabilities"]?["effort"]?["high"] == ["supported": true])
            #expect(tiny?["capabilities"]?["effort"]?["max"] == ["supported": false])
            let page = try JSONParser.parse(try await harness.send("/v1/models?limit=2", method: "GET").body)
            #expect(page["has_more"] == true)
            #expect(page["last_id"] == "claude-proxy-small-tiny")
            let next = try JSONParser.parse(
                try await harness.send("/v1/models?limit=2&after_id=claude-proxy-small-tiny", method: "GET").body)
            #expect(next["first_id"] == "claude-proxy-small-main")
            #expect(next["has_more"] == false)
            let bad = try await harness.send("/v1/models?limit=0", method: "GET")
            #expect(bad.status == 400)
            #expect(try JSONParser.parse(bad.body)["error"]?["type"] == "invalid_request_error")
        }
    }

    @Test("/api/claude_cli/bootstrap lists the models and their auto-compact windows")
    func bootstrap() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            let answer = try await harness.send("/api/claude_cli/bootstrap", method: "GET")
            #expect(answer.status == 200)
            let json = try JSONParser.parse(answer.body)
            #expect(json["additional_model_options"]?.arrayValue?.first?["model"] == "claude-proxy-big-agent-model")
            #expect(
                json["auto_compact_windows"] == [
                    "claude-proxy-small-tiny": 1000, "claude-proxy-small-main": 2000, "claude-proxy-big-wide": 100000,
                ])
        }
    }

    @Test("a prompt over every target's context_window gets the compaction error and never reaches an upstream")
    func compactionError() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            let long = String(repeating: "word ", count: 2000)  // about 2500 tokens estimated
            let refused = try await harness.sendJSON("/v1/messages", json: Self.request("claude-haiku-4-5", text: long))
            #expect(refused.status == 400)
            #expect(refused.json["error"]?["type"] == "invalid_request_error")
            let message = refused.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("prompt is too long: "), "\(message)")
            #expect(message.contains("tokens > 1000 maximum"))
            #expect(message.contains("conservative estimate"))
            #expect(harness.upstreams[0].received.isEmpty && harness.upstreams[1].received.isEmpty)
            // The main route's first target is too small, its fallback fits: the request goes there.
            let served = try await harness.send("/v1/messages", json: Self.request("claude-sonnet-4-5", text: long))
            #expect(served.status == 200)
            #expect(harness.upstreams[0].received.isEmpty)
            #expect(harness.upstreams[1].received.map { $0.body["model"] } == ["wide"])
        }
    }

    @Test("a sub-agent's marker picks the subagent route; [1m] is ignored for matching and not sent upstream")
    func subagentAndOneMillionSuffix() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.config($0) }) { harness in
            let marker = "x-anthropic-billing-header: cc_version=2.1.331; cc_entrypoint=cli; cc_is_subagent=true;"
            let agent = try await harness.send("/v1/messages", json: Self.request("claude-sonnet-4-5", system: marker))
            #expect(agent.status == 200)
            #expect(harness.upstreams[1].received.map { $0.body["model"] } == ["agent-model"])
            let main = try await harness.sendJSON("/v1/messages", json: Self.request("claude-haiku-4-5[1m]"))
            #expect(main.status == 200)
            #expect(harness.upstreams[0].received.map { $0.body["model"] } == ["tiny"])
            #expect(main.json["model"] == "claude-haiku-4-5[1m]", "the answer echoes the name the client asked for")
            let alias = try await harness.send("/v1/messages", json: Self.request("claude-proxy-small-main[1m]"))
            #expect(alias.status == 200)
            #expect(harness.upstreams[0].received.last?.body["model"] == "main")
        }
    }
}
