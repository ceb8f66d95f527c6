import ProxyConfig
import ProxyCore
import Testing

/// Thinking blocks when a conversation moves between targets: an Anthropic-native upstream gets back only
/// the blocks it made, with their original tokens; another target's are left out, and a tool loop whose
/// calls came without thinking it can verify goes on without thinking.
@Suite("Thinking across targets", .timeLimit(.minutes(1)))
struct ThinkingAcrossTargetsTests {
    static func settings(_ urls: [String]) throws -> ProxySettings {
        let text = """
            providers:
              first: { type: anthropic, base_url: "\(urls[0])", api_key: sk-ant-first }
              second: { type: anthropic, base_url: "\(urls[1])", api_key: sk-ant-second }
              chat: { type: openai, base_url: "\(urls[1])/v1", api_key: sk-chat }
            models:
              - { match: "*opus*", provider: second, model: second-model }
              - { match: "*haiku*", provider: chat, model: gpt-4o }
              - { match: "*", provider: first, model: first-model }
            """
        return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
    }

    static let answer: JSONValue = [
        "id": "msg_1", "type": "message", "role": "assistant", "model": "first-model",
        "content": [
            ["type": "thinking", "thinking": "Read it first.", "signature": "EqQBfirstSignature"],
            ["type": "redacted_thinking", "data": "EmwKfirstRedacted"],
            ["type": "tool_use", "id": "toolu_1", "name": "Read", "input": ["path": "a.txt"]],
        ],
        "stop_reason": "tool_use", "stop_sequence": .null, "usage": ["input_tokens": 10, "output_tokens": 5],
    ]

    static func request(model: String, messages: [JSONValue]) -> JSONValue {
        [
            "model": .string(model), "max_tokens": 4000, "thinking": ["type": "enabled", "budget_tokens": 2000],
            "context_management": ["edits": [["type": "clear_thinking_20251015"]]],
            "tools": [["name": "Read", "input_schema": ["type": "object"]]], "messages": .array(messages),
        ]
    }

    static let ask: JSONValue = ["role": "user", "content": "Read a.txt"]
    static let toolResult: JSONValue = [
        "role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "hello"]],
    ]

    /// The first turn on `first`: the assistant message as the client got it.
    static func firstTurn(_ harness: ProxyHarness) async throws -> JSONValue {
        harness.upstreams[0].script(.json(body: answer))
        let (status, message) = try await harness.sendJSON("/v1/messages", json: request(model: "claude-sonnet-4-5", messages: [ask]))
        #expect(status == 200)
        return ["role": "assistant", "content": message["content"] ?? []]
    }

    @Test("the client gets the tokens packed; sent back to the same target, they are its originals again")
    func sameTarget() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            let assistant = try await Self.firstTurn(harness)
            let blocks = assistant["content"]?.arrayValue ?? []
            let signature = try #require(blocks.first?["signature"]?.stringValue)
            #expect(PackedSignature(signature: signature)?.payload == "EqQBfirstSignature")
            #expect(PackedSignature(signature: blocks[1]["data"]?.stringValue ?? "")?.payload == "EmwKfirstRedacted")
            harness.upstreams[0].script(.json(body: Self.answer))
            let next = Self.request(model: "claude-sonnet-4-5", messages: [Self.ask, assistant, Self.toolResult])
            #expect(try await harness.send("/v1/messages", json: next).status == 200)
            let sent = try #require(harness.upstreams[0].received.last?.body)
            let returned = sent["messages"]?.arrayValue?[1]["content"]?.arrayValue ?? []
            #expect(returned.first?["signature"] == "EqQBfirstSignature")
            #expect(returned[1]["data"] == "EmwKfirstRedacted")
            #expect(sent["thinking"]?["type"] == "enabled")
            #expect(sent["context_management"] != nil)
        }
    }

    @Test("another native target gets none of them; mid tool loop it goes without thinking and without clearing it")
    func otherTarget() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            let assistant = try await Self.firstTurn(harness)
            harness.upstreams[1].script(.json(body: Self.answer), .json(body: Self.answer))
            let loop = Self.request(model: "claude-opus-4-5", messages: [Self.ask, assistant, Self.toolResult])
            #expect(try await harness.send("/v1/messages", json: loop).status == 200)
            let sent = try #require(harness.upstreams[1].received.last?.body)
            #expect(sent["messages"]?.arrayValue?[1]["content"]?.arrayValue?.map { $0["type"] } == ["tool_use"])
            #expect(sent["thinking"] == nil)
            #expect(sent["context_management"] == nil)
            // A new turn: the earlier blocks are still left out, and thinking stays on.
            let turn = Self.request(
                model: "claude-opus-4-5",
                messages: [Self.ask, assistant, Self.toolResult, ["role": "assistant", "content": "Done."], Self.ask])
            #expect(try await harness.send("/v1/messages", json: turn).status == 200)
            let newTurn = try #require(harness.upstreams[1].received.last?.body)
            #expect(newTurn["messages"]?.arrayValue?[1]["content"]?.arrayValue?.map { $0["type"] } == ["tool_use"])
            #expect(newTurn["thinking"]?["type"] == "enabled")
        }
    }

    @Test("thinking from a translated target is left out; a signature the proxy did not make goes on as sent")
    func translatedAndOutside() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            let call: JSONValue = ["id": "toolu_1", "type": "function", "function": ["name": "Read", "arguments": #"{"path":"a.txt"}"#]]
            let message: JSONValue = [
                "role": "assistant", "content": "Reading.", "reasoning_content": "Look at a.txt", "tool_calls": [call],
            ]
            harness.upstreams[1].script(
                .json(body: [
                    "id": "chatcmpl-2", "object": "chat.completion", "model": "gpt-4o",
                    "choices": [["index": 0, "message": message, "finish_reason": "tool_calls"]],
                    "usage": ["prompt_tokens": 12, "completion_tokens": 5],
                ]))
            let (status, chat) = try await harness.sendJSON(
                "/v1/messages", json: Self.request(model: "claude-haiku-4-5", messages: [Self.ask]))
            #expect(status == 200)
            #expect(chat["content"]?.arrayValue?.first?["type"] == "thinking")
            let outside: JSONValue = [
                "role": "assistant",
                "content": [["type": "thinking", "thinking": "Mine.", "signature": "EqQBoutside"], ["type": "text", "text": "Hi."]],
            ]
            harness.upstreams[0].script(.json(body: Self.answer))
            let messages = [Self.ask, outside, Self.ask, ["role": "assistant", "content": chat["content"] ?? []], Self.toolResult]
            #expect(
                try await harness.send("/v1/messages", json: Self.request(model: "claude-sonnet-4-5", messages: messages)).status == 200)
            let sent = try #require(harness.upstreams[0].received.last?.body)
            let history = sent["messages"]?.arrayValue ?? []
            #expect(history[1]["content"]?.arrayValue?.first?["signature"] == "EqQBoutside")
            #expect(history[3]["content"]?.arrayValue?.contains { $0["type"] == "thinking" } == false)
            #expect(sent["thinking"] == nil, "the tool calls it answers came without thinking this target made")
        }
    }

    @Test(
        "tool calls that came without any thinking: off under a fixed budget (the service always opens with it), kept when adaptive",
        arguments: [(["type": "enabled", "budget_tokens": 2000], false), (["type": "adaptive"], true)] as [(JSONValue, Bool)])
    func callsWithoutThinking(thinking: JSONValue, kept: Bool) async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            harness.upstreams[0].script(.json(body: Self.answer))
            let calling: JSONValue = [
                "role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "Read", "input": ["path": "a.txt"]]],
            ]
            guard case .object(var members) = Self.request(model: "claude-sonnet-4-5", messages: [Self.ask, calling, Self.toolResult])
            else { return }
            members.removeAll { $0.key == "thinking" }
            members.append(("thinking", thinking))
            #expect(try await harness.send("/v1/messages", json: .object(members)).status == 200)
            let sent = try #require(harness.upstreams[0].received.last?.body)
            #expect((sent["thinking"] == thinking) == kept)
            #expect((sent["thinking"] == nil) == !kept)
        }
    }
}
