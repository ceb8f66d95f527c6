import HTTPTypes
import ProxyConfig
import ProxyCore
import Testing

/// `POST /v1/messages/count_tokens` answered by the upstream that would serve the request, where it counts
/// exactly (Anthropic-native, the Responses API), with the route's model; the proxy's estimate otherwise.
@Suite("count_tokens from the upstream", .timeLimit(.minutes(1)))
struct TokenCountTests {
    static func settings(_ urls: [String]) throws -> ProxySettings {
        let text = """
            providers:
              native: { type: anthropic, base_url: "\(urls[0])", api_key: sk-ant-count, drop_fields: [context_management] }
              responses: { type: openai-responses, base_url: "\(urls[0])/v1", api_key: sk-resp-count }
              chat: { type: openai, base_url: "\(urls[0])/v1", api_key: sk-chat-count }
            models:
              - { match: "*haiku*", provider: responses, model: gpt-5-mini }
              - { match: "*opus*", provider: chat, model: gpt-4o }
              - { match: "*", provider: native, model: upstream-sonnet }
            """
        return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
    }

    static func request(_ model: String) -> JSONValue {
        [
            "model": .string(model), "max_tokens": 1000, "stream": true, "system": "You are terse.",
            "messages": [["role": "user", "content": "count these words, please"]],
            "tools": [["name": "Read", "description": "Reads a file.", "input_schema": ["type": "object"]]],
            "context_management": ["edits": [["type": "clear_thinking_20251015"]]],
        ]
    }

    static func header(_ response: (status: Int, headers: [(name: String, value: String)], body: [UInt8]), _ name: String) -> String? {
        response.headers.first { $0.name == name }?.value
    }

    @Test("an Anthropic-native upstream counts: its count, the route's model, no generation fields, the key and version")
    func native() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(.json(body: ["input_tokens": 4242]))
            let response = try await harness.send("/v1/messages/count_tokens?beta=true", json: Self.request("claude-sonnet-4-5"))
            #expect(response.status == 200)
            #expect(try JSONParser.parse(response.body)["input_tokens"] == 4242)
            #expect(Self.header(response, "x-proxy-token-count") == "upstream")
            #expect(Self.header(response, "x-proxy-route") == "native/upstream-sonnet")
            let sent = try #require(harness.upstream.received.first)
            #expect(sent.path == "/v1/messages/count_tokens")
            #expect(sent.body["model"] == "upstream-sonnet")
            #expect(sent.body["messages"] == Self.request("x")["messages"])
            #expect(sent.body["tools"]?.arrayValue?.count == 1)
            for field in ["max_tokens", "stream", "context_management"] { #expect(sent.body[field] == nil, "\(field) left out") }
            #expect(sent.headers[.init("x-api-key")!] == "sk-ant-count")
            #expect(sent.headers[.init("anthropic-version")!] == "2023-06-01")
        }
    }

    @Test("a Responses upstream counts at /responses/input_tokens with the translated body, without generation fields")
    func responses() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(.json(body: ["object": "response.input_tokens", "input_tokens": 77]))
            let response = try await harness.send("/v1/messages/count_tokens", json: Self.request("claude-haiku-4-5"))
            #expect(try JSONParser.parse(response.body)["input_tokens"] == 77)
            #expect(Self.header(response, "x-proxy-token-count") == "upstream")
            let sent = try #require(harness.upstream.received.first)
            #expect(sent.path == "/v1/responses/input_tokens")
            #expect(sent.body["model"] == "gpt-5-mini")
            #expect(sent.body["instructions"] == "You are terse.")
            #expect(sent.body["input"]?.arrayValue?.isEmpty == false)
            #expect(sent.body["tools"]?.arrayValue?.first?["name"] == "Read")
            for field in ["stream", "max_output_tokens", "store", "include"] { #expect(sent.body[field] == nil, "\(field) left out") }
            #expect(sent.headers[.authorization] == "Bearer sk-resp-count")
        }
    }

    @Test(
        "a count the upstream does not give is the proxy's estimate: a failure status, an answer without a count",
        arguments: [
            MockUpstream.Reply.json(status: 500, body: ["error": ["message": "down"]]),
            .json(status: 404, body: ["type": "error", "error": ["type": "not_found_error", "message": "no count_tokens here"]]),
            .json(body: ["tokens": 12]), .raw(status: 200, contentType: "application/json", body: "{\"input_tokens\": -3}"),
        ])
    func fallsBackToTheEstimate(reply: MockUpstream.Reply) async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            harness.upstream.script(reply)
            let response = try await harness.send("/v1/messages/count_tokens", json: Self.request("claude-sonnet-4-5"))
            #expect(response.status == 200)
            #expect(Self.header(response, "x-proxy-token-count") == "estimated")
            #expect((try JSONParser.parse(response.body)["input_tokens"]?.intValue ?? 0) > 10)
            #expect(harness.upstream.received.count == 1)
        }
    }

    @Test("a chat-completions upstream cannot count: the estimate, and no upstream call")
    func chatCompletions() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.settings($0) }) { harness in
            let response = try await harness.send("/v1/messages/count_tokens", json: Self.request("claude-opus-4-5"))
            #expect(Self.header(response, "x-proxy-token-count") == "estimated")
            #expect(harness.upstream.received.isEmpty)
        }
    }
}
