import HTTPTypes
import ProxyConfig
import ProxyCore
import Testing

/// `type: openai-responses` and `type: azure-responses` end to end: the proxy over loopback, the real
/// libcurl client, a mock upstream that speaks the Responses API's wire format.
@Suite("Responses API upstreams", .timeLimit(.minutes(1)))
struct ResponsesAdapterTests {
    static func settings(_ urls: [String], type: String = "openai-responses", path: String = "/v1") throws -> ProxySettings {
        let text = """
            providers:
              resp:
                type: \(type)
                base_url: "\(urls[0])\(path)"
                api_key: sk-openai-test
            models:
              - { match: "*", provider: resp, model: gpt-5-codex }
            """
        return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
    }

    static let request: JSONValue = [
        "model": "claude-sonnet-4-5", "max_tokens": 2000, "system": "Be brief.",
        "thinking": ["type": "enabled", "budget_tokens": 1024],
        "messages": [["role": "user", "content": "hi"]],
    ]

    static func streaming(_ request: JSONValue) -> JSONValue {
        guard case .object(var members) = request else { return request }
        members.append(("stream", true))
        return .object(members)
    }

    /// A reasoning item, then a text answer, as OpenAI streams them.
    static let events: [String] =
        [
            #"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}}"#,
            #"{"type":"response.output_item.added","output_index":0,"item":{"id":"rs_1","type":"reasoning","summary":[]}}"#,
            #"{"type":"response.reasoning_summary_part.added","item_id":"rs_1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}"#,
            #"{"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Greet."}"#,
            #"{"type":"response.output_item.done","output_index":0,"item":{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"Greet."}],"encrypted_content":"gAAAA-e2e"}}"#,
        ] + textAnswer(index: 1)

    static func textAnswer(index: Int) -> [String] {
        [
            #"{"type":"response.output_item.added","output_index":\#(index),"item":{"id":"msg_1","type":"message","role":"assistant","status":"in_progress","content":[]}}"#,
            #"{"type":"response.output_text.delta","item_id":"msg_1","output_index":\#(index),"content_index":0,"delta":"Hi","logprobs":[]}"#,
            #"{"type":"response.output_text.delta","item_id":"msg_1","output_index":\#(index),"content_index":0,"delta":" there.","logprobs":[]}"#,
            #"{"type":"response.output_item.done","output_index":\#(index),"item":{"id":"msg_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hi there.","annotations":[]}]}}"#,
            #"{"type":"response.completed","response":{"id":"resp_1","object":"response","status":"completed","output":[],"usage":{"input_tokens":812,"input_tokens_details":{"cached_tokens":768},"output_tokens":5,"total_tokens":817}}}"#,
        ]
    }

    static func stream(_ events: [String]) -> MockUpstream.Reply {
        .raw(status: 200, contentType: "text/event-stream", body: AnthropicAdapterTests.sse(events))
    }

    @Test("a streamed answer: the request is stateless Responses, the events Anthropic's, the reasoning sent back next turn")
    func streamRoundTrip() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(
                Self.stream(Self.events),
                .json(body: ["object": "response", "status": "completed", "output": [], "usage": ["input_tokens": 5, "output_tokens": 1]])
            )
            let (status, events) = try await harness.stream(json: Self.streaming(Self.request))
            #expect(status == 200)
            #expect(
                events.map(\.name) == [
                    "message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                    "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
                    "message_stop",
                ])
            #expect(events.first?.data["message"]?["model"] == "claude-sonnet-4-5")
            #expect(events[10].data["usage"]?["cache_read_input_tokens"] == 768)
            let signature = try #require(events[4].data["delta"]?["signature"]?.stringValue)

            let received = try #require(harness.upstream.received.first)
            #expect(received.path == "/v1/responses")
            #expect(received.headers[.authorization] == "Bearer sk-openai-test")
            #expect(received.body["store"] == false && received.body["stream"] == true)
            #expect(received.body["instructions"] == "Be brief.")
            #expect(received.body["include"] == ["reasoning.encrypted_content"])

            let next: JSONValue = [
                "model": "claude-sonnet-4-5", "max_tokens": 2000, "thinking": ["type": "enabled", "budget_tokens": 1024],
                "messages": [
                    ["role": "user", "content": "hi"],
                    [
                        "role": "assistant",
                        "content": [
                            ["type": "thinking", "thinking": "Greet.", "signature": .string(signature)],
                            ["type": "text", "text": "Hi there."],
                        ],
                    ],
                    ["role": "user", "content": "again"],
                ],
            ]
            #expect(try await harness.sendJSON("/v1/messages", json: next).status == 200)
            let input = try #require(harness.upstream.received.last?.body["input"]?.arrayValue)
            #expect(input.map { $0["type"]?.stringValue ?? "" } == ["message", "reasoning", "message", "message"])
            #expect(input[1]["encrypted_content"] == "gAAAA-e2e")
        }
    }

    @Test("Azure's Responses endpoint: the v1 URL and the api-key header")
    func azure() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, type: "azure-responses", path: "") }) { harness in
            harness.upstream.script(
                .json(body: [
                    "object": "response", "status": "completed",
                    "output": [["type": "message", "content": [["type": "output_text", "text": "ok"]]]],
                ]))
            let (status, json) = try await harness.sendJSON("/v1/messages", json: Self.request)
            #expect(status == 200)
            #expect(json["content"]?.arrayValue?.first?["text"] == "ok")
            let received = try #require(harness.upstream.received.first)
            #expect(received.path == "/openai/v1/responses")
            #expect(received.headers[HTTPField.Name("api-key")!] == "sk-openai-test")
            #expect(received.headers[.authorization] == nil)
        }
    }

    @Test("one route, three protocols: Responses, then chat-completions, then Anthropic-native, one answer shape")
    func threeProtocolChain() async throws {
        try await ProxyHarness.run(
            upstreamCount: 3,
            settings: { urls in
                let text = """
                    providers:
                      resp: { type: openai-responses, base_url: "\(urls[0])/v1", api_key: k1 }
                      chat: { type: openai, base_url: "\(urls[1])/v1", api_key: k2 }
                      native: { type: anthropic, base_url: "\(urls[2])", api_key: k3 }
                    models:
                      - match: "*"
                        provider: resp
                        model: gpt-5-codex
                        fallbacks: [{ provider: chat, model: gpt-4o }, { provider: native, model: claude-up }]
                    """
                return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
            }
        ) { harness in
            let overloaded = MockUpstream.Reply.json(status: 503, body: ["error": ["message": "busy", "type": "server_error"]])
            let native: JSONValue = [
                "id": "msg_n", "type": "message", "role": "assistant", "model": "claude-up",
                "content": [["type": "text", "text": "native"]],
                "stop_reason": "end_turn", "stop_sequence": .null, "usage": ["input_tokens": 3, "output_tokens": 1],
            ]
            harness.upstreams[0].script(
                Self.stream(Self.textAnswer(index: 0)),
                overloaded, overloaded)
            harness.upstreams[1].script(.stream(events: MockUpstream.streamedText(["chat"])), overloaded)
            harness.upstreams[2].script(.json(body: native))

            var texts: [String] = []
            var routes: [String] = []
            for _ in 0..<3 {
                let response = try await harness.send("/v1/messages", json: Self.streaming(Self.request))
                #expect(response.status == 200)
                routes += response.headers.filter { $0.name == "x-proxy-route" }.map(\.value)
                let events = try SSEEvents.parse(response.body)
                #expect(events.first?.data["message"]?["model"] == "claude-sonnet-4-5")
                #expect(events.map(\.name).last == "message_stop")
                texts.append(events.compactMap { $0.data["delta"]?["text"]?.stringValue }.joined())
            }
            #expect(texts == ["Hi there.", "chat", "native"])
            #expect(routes == ["resp/gpt-5-codex", "chat/gpt-4o", "native/claude-up"])
            #expect(harness.upstreams[0].received.map(\.path) == ["/v1/responses", "/v1/responses", "/v1/responses"])
            #expect(harness.upstreams[1].received.map(\.path) == ["/v1/chat/completions", "/v1/chat/completions"])
            #expect(harness.upstreams[2].received.map(\.path) == ["/v1/messages"])
        }
    }
}
