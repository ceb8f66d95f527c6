import ProxyConfig
import ProxyCore
import Testing

/// `max_tokens` as each upstream receives it, decided in one place: the client's value capped by the
/// target's `max_output_tokens` (route, fallback or profile model), `limits.max_tokens`, and — only for
/// translated upstreams, when `limits.max_tokens` is unset — 16384. `max_tokens: 0` reaches an upstream
/// that speaks Anthropic's API as is, and is answered by the proxy, with no generation, everywhere else —
/// a fallback too.
@Suite("Output limits", .timeLimit(.minutes(1)))
struct OutputLimitsTests {
    static func settings(_ urls: [String], limits: String = "") throws -> ProxySettings {
        let text = """
            \(limits)
            providers:
              chat:
                type: openai
                base_url: "\(urls[0])/v1"
                api_key: k
                models: { capped-model: { max_output_tokens: 4096 } }
              native: { type: anthropic, base_url: "\(urls[1])", api_key: k }
            models:
              - { match: "*route-cap*", provider: chat, model: gpt-4o, max_output_tokens: 8000 }
              - { match: "*profile-cap*", provider: chat, model: capped-model }
              - match: "*fallback-cap*"
                provider: native
                model: claude-x
                fallbacks: [{ provider: chat, model: gpt-4o, max_output_tokens: 2000 }]
              - { match: "*native*", provider: native, model: claude-x }
              - { match: "*", provider: chat, model: gpt-4o }
            """
        return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
    }

    static func request(_ model: String, maxTokens: Int, stream: Bool = false) -> JSONValue {
        [
            "model": .string(model), "max_tokens": .integer(Int64(maxTokens)), "messages": [["role": "user", "content": "hello there"]],
            "stream": .bool(stream),
        ]
    }

    @Test("each target's cap applies, and only translated upstreams get the built-in one")
    func caps() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            let (chat, native) = (harness.upstreams[0], harness.upstreams[1])
            chat.script(contentsOf: Array(repeating: .json(body: MockUpstream.completion(text: "ok")), count: 4))
            native.script(
                .json(body: AnthropicAdapterTests.upstreamMessage),
                .json(status: 529, body: ["type": "error", "error": ["type": "overloaded_error", "message": "busy"]]))
            for model in ["plain", "route-cap", "profile-cap", "native", "fallback-cap"] {
                let status = try await harness.send("/v1/messages", json: Self.request(model, maxTokens: 128000)).status
                #expect(status == 200, "\(model)")
            }
            #expect(chat.received.map { $0.body["max_tokens"] ?? $0.body["max_completion_tokens"] } == [16384, 8000, 4096, 2000])
            #expect(native.received.map { $0.body["max_tokens"] } == [128000, 128000])
        }
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0, limits: "limits: { max_tokens: 1000 }") }) {
            harness in
            harness.upstreams[0].script(.json(body: MockUpstream.completion(text: "ok")))
            harness.upstreams[1].script(.json(body: AnthropicAdapterTests.upstreamMessage))
            for model in ["plain", "native"] {
                let status = try await harness.send("/v1/messages", json: Self.request(model, maxTokens: 128000)).status
                #expect(status == 200, "\(model)")
            }
            #expect(harness.upstreams[0].received.first?.body["max_tokens"] == 1000)
            #expect(harness.upstreams[1].received.first?.body["max_tokens"] == 1000, "an explicit limits.max_tokens applies everywhere")
        }
    }

    @Test("max_tokens 0: as is to an Anthropic-native upstream; elsewhere an empty answer with the prompt's usage and no upstream call")
    func zero() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            let (chat, native) = (harness.upstreams[0], harness.upstreams[1])
            native.script(.json(body: AnthropicAdapterTests.upstreamMessage))
            #expect(try await harness.send("/v1/messages", json: Self.request("native", maxTokens: 0)).status == 200)
            #expect(native.received.first?.body["max_tokens"] == 0)

            let answer = try await harness.send("/v1/messages", json: Self.request("plain", maxTokens: 0))
            #expect(answer.status == 200)
            let message = try JSONParser.parse(answer.body)
            #expect(message["type"] == "message" && message["role"] == "assistant" && message["model"] == "plain")
            #expect(message["stop_reason"] == "max_tokens")
            #expect(message["content"] == [["type": "text", "text": ""]])
            #expect((message["usage"]?["input_tokens"]?.intValue ?? 0) > 0)
            #expect(message["usage"]?["output_tokens"] == 0)
            #expect(answer.headers.contains { $0.name == "x-proxy-route" && $0.value == "chat/gpt-4o" })

            let stream = try await harness.stream(json: Self.request("plain", maxTokens: 0, stream: true))
            #expect(stream.status == 200)
            #expect(stream.events.map(\.name) == ["message_start", "message_delta", "message_stop"])
            #expect(stream.events[1].data["delta"]?["stop_reason"] == "max_tokens")
            #expect((stream.events[1].data["usage"]?["input_tokens"]?.intValue ?? 0) > 0)
            #expect(chat.received.isEmpty, "nothing was generated upstream")
        }
    }

    @Test("max_tokens 0 on a native target that fails: its translated fallback is answered by the proxy, not asked to generate")
    func zeroFallsOverToAnEmptyAnswer() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            let (chat, native) = (harness.upstreams[0], harness.upstreams[1])
            native.script(.json(status: 529, body: ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]))
            let answer = try await harness.send("/v1/messages", json: Self.request("fallback-cap", maxTokens: 0))
            #expect(answer.status == 200)
            #expect(try JSONParser.parse(answer.body)["stop_reason"] == "max_tokens")
            #expect(answer.headers.contains { $0.name == "x-proxy-route" && $0.value == "chat/gpt-4o" })
            #expect(native.received.count == 1 && native.received.first?.body["max_tokens"] == 0)
            #expect(chat.received.isEmpty, "nothing was generated upstream")
        }
    }
}
