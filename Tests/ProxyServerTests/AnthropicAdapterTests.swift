import Foundation
import HTTPTypes
import ProxyConfig
import ProxyCore
import Testing

/// `type: anthropic`: the client's body passed on with only what must change changed, the answer and
/// the stream relayed with the client's model name, errors passed on.
@Suite("Anthropic-native upstreams", .timeLimit(.minutes(1)))
struct AnthropicAdapterTests {
    /// A Claude Code-like body, written with the spacing and fields a client really sends.
    static let clientBody = Array(
        #"{"model": "claude-sonnet-4-5", "max_tokens": 32000, "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}], "messages": [{"role": "user", "content": "hi \u00e9"}], "context_management": {"edits": [{"type": "clear_thinking_20251015"}]}, "thinking": {"type": "adaptive"}, "output_config": {"effort": "high"}, "stream": false}"#
            .utf8)

    static func settings(_ urls: [String], extra: String = "") throws -> ProxySettings {
        let text = """
            providers:
              native:
                type: anthropic
                base_url: "\(urls[0])"
                api_key: sk-ant-test
            \(extra)
            models:
              - { match: "*", provider: native, model: upstream-model }
            """
        return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
    }

    static let upstreamMessage: JSONValue = [
        "id": "msg_up1", "type": "message", "role": "assistant", "model": "upstream-model",
        "content": [
            ["type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": ["query": "x"]],
            ["type": "text", "text": "Hello", "citations": .null],
        ],
        "stop_reason": "pause_turn", "stop_sequence": .null,
        "usage": ["input_tokens": 12, "output_tokens": 5, "cache_read_input_tokens": 100, "server_tool_use": ["web_search_requests": 1]],
    ]

    @Test("the body goes on byte for byte but for the model, max_tokens included; the answer comes back with the client's model")
    func passThrough() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(.json(body: Self.upstreamMessage))
            let response = try await harness.send(
                "/v1/messages", body: Self.clientBody,
                headers: [
                    ("anthropic-version", "2023-06-01"), ("anthropic-beta", "context-management-2025-06-27"), ("x-api-key", "client"),
                ]
            )
            #expect(response.status == 200)
            let received = try #require(harness.upstream.received.first)
            #expect(received.path == "/v1/messages")
            let expected = String(decoding: Self.clientBody, as: UTF8.self)
                .replacingFirst(#""model": "claude-sonnet-4-5""#, with: #""model": "upstream-model""#)
            #expect(String(decoding: received.rawBody, as: UTF8.self) == expected)
            #expect(received.headers[HTTPField.Name("x-api-key")!] == "sk-ant-test")
            #expect(received.headers[HTTPField.Name("anthropic-version")!] == "2023-06-01")
            #expect(received.headers[HTTPField.Name("anthropic-beta")!] == "context-management-2025-06-27")
            #expect(received.headers[.authorization] == nil)
            var answer = Self.upstreamMessage
            if case .object(var members) = answer {
                members[members.firstIndex { $0.key == "model" }!].value = "claude-sonnet-4-5"
                answer = .object(members)
            }
            #expect(try JSONParser.parse(response.body) == answer, "every field but model as the upstream sent it")
        }
    }

    @Test("drop_fields, adaptive_thinking: budget, anthropic_beta: drop and auth: bearer shape the request")
    func providerRewrites() async throws {
        let extra = """
                drop_fields: [context_management, output_config]
                adaptive_thinking: budget
                anthropic_beta: drop
                auth: bearer
            """
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, extra: extra) }) { harness in
            harness.upstream.script(.json(body: Self.upstreamMessage))
            let response = try await harness.send("/v1/messages", body: Self.clientBody, headers: [("anthropic-beta", "x-1")])
            #expect(response.status == 200)
            let received = try #require(harness.upstream.received.first)
            let text = String(decoding: received.rawBody, as: UTF8.self)
            #expect(!text.contains("context_management") && !text.contains("output_config"))
            #expect(received.body["thinking"] == ["type": "enabled", "budget_tokens": 16000])
            #expect(received.body["system"]?.arrayValue?.first?["cache_control"] == ["type": "ephemeral"])
            #expect(received.headers[.authorization] == "Bearer sk-ant-test")
            #expect(received.headers[HTTPField.Name("x-api-key")!] == nil)
            #expect(received.headers[HTTPField.Name("anthropic-beta")!] == nil)
            #expect(received.headers[HTTPField.Name("anthropic-version")!] == "2023-06-01", "the default when the client sent none")
        }
    }

    @Test(
        "drop_blocks replaces blocks the upstream cannot read with a notice; system_messages: user wraps mid-conversation system messages")
    func messageRewrites() async throws {
        let body = Array(
            #"{"model":"claude-opus-4-5","max_tokens":1000,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}},{"type":"text","text":"sum up"}]},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"ToolSearch","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"tool_reference","tool_name":"Read"}]}]},{"role":"system","content":"be careful"}]}"#
                .utf8)
        let extra = """
                drop_blocks: [document, tool_reference]
                system_messages: user
            """
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0, extra: extra) }) { harness in
            harness.upstream.script(.json(body: Self.upstreamMessage), .json(body: Self.upstreamMessage))
            #expect(try await harness.send("/v1/messages", body: body).status == 200)
            let messages = try #require(harness.upstream.received.first?.body["messages"]?.arrayValue)
            #expect(
                messages[0]["content"]?.arrayValue?.first == [
                    "type": "text", "text": "[document block removed: this model's provider cannot read it]",
                ])
            #expect(messages[0]["content"]?.arrayValue?.last == ["type": "text", "text": "sum up"])
            #expect(
                messages[2]["content"]?.arrayValue?.first?["content"]
                    == [["type": "text", "text": "[tool_reference block removed: this model's provider cannot read it]"]])
            #expect(
                messages[3] == [
                    "role": "user", "content": [["type": "text", "text": "<system-reminder>\nbe careful\n</system-reminder>"]],
                ])
            #expect(try await harness.send("/v1/messages", body: Self.clientBody).status == 200)
            #expect(
                String(decoding: try #require(harness.upstream.received.last?.rawBody), as: UTF8.self).contains(
                    #""messages": [{"role": "user", "content": "hi \u00e9"}]"#),
                "messages with nothing to change keep the client's bytes")
        }
    }

    @Test(
        "max_tokens goes as the client asked unless the route or limits.max_tokens cap it; a thinking budget they leave no room for is lowered below it, or dropped"
    )
    func thinkingBudgetUnderLimit() async throws {
        let body = Array(
            #"{"model":"claude-opus-4-5","max_tokens":128000,"thinking":{"type":"enabled","budget_tokens":31999,"display":"omitted"},"messages":[{"role":"user","content":"x"}]}"#
                .utf8)
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(.json(body: Self.upstreamMessage))
            #expect(try await harness.send("/v1/messages", body: body).status == 200)
            let sent = try #require(harness.upstream.received.first?.body)
            #expect(sent["max_tokens"] == 128000, "no built-in cap for an upstream that speaks Anthropic's API")
            #expect(sent["thinking"] == ["type": "enabled", "budget_tokens": 31999, "display": "omitted"])
        }
        try await ProxyHarness.run(
            upstreamCount: 1,
            settings: { urls in
                var settings = try Self.settings(urls)
                settings.routes[0].metadata.maxOutputTokens = 16384
                return settings
            }
        ) { harness in
            harness.upstream.script(.json(body: Self.upstreamMessage))
            #expect(try await harness.send("/v1/messages", body: body).status == 200)
            let sent = try #require(harness.upstream.received.first?.body)
            #expect(sent["max_tokens"] == 16384, "the route's max_output_tokens")
            #expect(sent["thinking"] == ["type": "enabled", "budget_tokens": 16383, "display": "omitted"])
        }
        try await ProxyHarness.run(
            upstreamCount: 1,
            settings: { urls in
                var settings = try Self.settings(urls); settings.tokens.maxTokensLimit = 1000; return settings
            }
        ) { harness in
            harness.upstream.script(.json(body: Self.upstreamMessage))
            #expect(try await harness.send("/v1/messages", body: body).status == 200)
            let sent = try #require(harness.upstream.received.first?.body)
            #expect(sent["max_tokens"] == 1000)
            #expect(sent["thinking"] == nil, "below 1024 tokens there is no valid budget")
        }
    }

    static let upstreamEvents = [
        #"{"type":"message_start","message":{"id":"msg_up2","type":"message","role":"assistant","model":"upstream-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":1,"cache_read_input_tokens":7}}}"#,
        #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}"#,
        #"{"type":"content_block_stop","index":0}"#,
        #"{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}"#,
        #"{"type":"content_block_stop","index":1}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}"#,
        #"{"type":"message_stop"}"#,
    ]

    static func sse(_ events: [String]) -> String {
        events.map { event in
            let type = (try? JSONParser.parse(event))?["type"]?.stringValue ?? ""
            return "event: \(type)\ndata: \(event)\n\n"
        }.joined()
    }

    @Test("a stream is relayed event for event, with the client's model in message_start and the signature packed")
    func streamRelay() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(.raw(status: 200, contentType: "text/event-stream", body: Self.sse(Self.upstreamEvents)))
            var body = Self.clientBody
            body.replaceSubrange(body.count - 7..<body.count, with: Array("true}".utf8))  // "stream": true
            let response = try await harness.send("/v1/messages", body: body)
            #expect(response.status == 200)
            let events = try SSEEvents.parse(response.body)
            #expect(events.map(\.name) == Self.upstreamEvents.map { (try? JSONParser.parse($0))?["type"]?.stringValue ?? "" })
            #expect(events.first?.data["message"]?["model"] == "claude-sonnet-4-5")
            let text = String(decoding: response.body, as: UTF8.self)
            for sent in Self.upstreamEvents.dropFirst() where !sent.contains("signature_delta") {
                #expect(text.contains("data: \(sent)\n\n"), "relayed byte for byte: \(sent)")
            }
            let signatures = events.compactMap { $0.data["delta"]?["signature"]?.stringValue }
            let signature = try #require(signatures.first)
            let packed = try #require(PackedSignature(signature: signature))
            #expect(packed.kind == .anthropicNative && packed.model == "upstream-model" && packed.payload == "EqQBCgIYAhIM")
            #expect(harness.upstream.received.first?.body["stream"] == true)
        }
    }

    @Test("a stream that stops before message_stop ends with an error event")
    func cutStream() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(
                .raw(status: 200, contentType: "text/event-stream", body: Self.sse(Array(Self.upstreamEvents.prefix(3)))))
            var body = Self.clientBody
            body.replaceSubrange(body.count - 7..<body.count, with: Array("true}".utf8))
            let events = try SSEEvents.parse(try await harness.send("/v1/messages", body: body).body)
            #expect(events.map(\.name) == ["message_start", "content_block_start", "content_block_delta", "error"])
            #expect(events.last?.data["error"]?["type"] == "api_error")
        }
    }

    @Test("Anthropic-shaped errors pass on with their status and type; others are mapped")
    func errors() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(
                .json(
                    status: 429, body: ["type": "error", "error": ["type": "rate_limit_error", "message": "slow down"]],
                    headers: [("retry-after", "7")]),
                .json(
                    status: 400,
                    body: [
                        "type": "error",
                        "error": ["type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"],
                    ]),
                .raw(status: 500, contentType: "text/plain", body: "upstream exploded")
            )
            let limited = try await harness.send("/v1/messages", body: Self.clientBody)
            #expect(limited.status == 429)
            let limitedError = try JSONParser.parse(limited.body)["error"]
            #expect(limitedError?["type"] == "rate_limit_error")
            #expect(limitedError?["message"] == "upstream native returned 429: slow down")
            #expect(limited.headers.contains { $0.name == "retry-after" && $0.value == "7" })
            let long = try await harness.send("/v1/messages", body: Self.clientBody)
            #expect(long.status == 400)
            #expect(
                try JSONParser.parse(long.body)["error"]?["message"]?.stringValue?.hasPrefix(
                    "prompt is too long: 210000 tokens > 200000 maximum") == true)
            let broken = try await harness.send("/v1/messages", body: Self.clientBody)
            #expect(broken.status == 500)
            #expect(try JSONParser.parse(broken.body)["error"]?["message"]?.stringValue?.contains("upstream exploded") == true)
        }
    }

    @Test("a fallback may cross protocols: an overloaded Anthropic-native target hands over to chat-completions")
    func crossProtocolFallback() async throws {
        try await ProxyHarness.run(
            upstreamCount: 2,
            settings: { urls in
                let text = """
                    providers:
                      native: { type: anthropic, base_url: "\(urls[0])", api_key: k1 }
                      openai: { type: openai, base_url: "\(urls[1])/v1", api_key: k2 }
                    models:
                      - match: "*"
                        provider: native
                        model: upstream-model
                        fallbacks: [{ provider: openai, model: gpt-4o }]
                    """
                return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
            }
        ) { harness in
            harness.upstreams[0].script(
                .json(status: 529, body: ["type": "error", "error": ["type": "overloaded_error", "message": "busy"]]))
            harness.upstreams[1].script(.json(body: MockUpstream.completion(text: "from openai")))
            let response = try await harness.send("/v1/messages", body: Self.clientBody)
            #expect(response.status == 200)
            let json = try JSONParser.parse(response.body)
            #expect(json["content"]?.arrayValue?.first?["text"] == "from openai")
            #expect(json["model"] == "claude-sonnet-4-5")
            #expect(response.headers.contains { $0.name == "x-proxy-route" && $0.value == "openai/gpt-4o" })
            #expect(
                harness.upstreams[1].received.first?.body["context_management"] == nil, "chat-completions bodies are built field by field")
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
