import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

@Suite("Non-streaming response translation (docs/translation.md §4)")
struct ResponseTranslatorTests {
    /// An OpenAI completion whose `choices[0].message` is `messageJSON`.
    private func completion(_ messageJSON: String, finish: String = "stop", usage: String? = nil) -> String {
        let usageMember = usage.map { #","usage":"# + $0 } ?? ""
        return #"{"id":"chatcmpl-abc123","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,"message":"#
            + messageJSON + #","finish_reason":""# + finish + #""}]"# + usageMember + "}"
    }

    private func translate(_ text: String, toolNames: ToolNameMapping = .identity) throws -> AnthropicMessage {
        try ResponseTranslator.message(from: JSONParser.parse(text), clientModel: "claude-opus-4-6", toolNames: toolNames).message
    }

    private func toolInputs(_ message: AnthropicMessage) -> [JSONValue] {
        message.content.compactMap { if case .toolUse(_, _, let input) = $0 { return input } else { return nil } }
    }

    @Test("blocks come out as thinking, text, tool_use, in that order")
    func blockOrder() throws {
        let message = try translate(
            completion(
                #"{"role":"assistant","content":"Reading.","reasoning_content":"Need the file.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"{\"path\":\"a\"}"}}]}"#,
                finish: "tool_calls"
            ))
        #expect(
            message.content == [
                .thinking(text: "Need the file.", signature: ThinkingSignature.proxySignature),
                .text("Reading."),
                .toolUse(id: "call_1", name: "Read", input: ["path": "a"]),
            ])
    }

    @Test("reasoning (OpenRouter/Ollama field name) also becomes a thinking block with a non-empty signature")
    func reasoningField() throws {
        let message = try translate(completion(#"{"role":"assistant","content":"Hi","reasoning":"Hmm."}"#))
        guard case .thinking(let text, let signature)? = message.content.first else {
            Issue.record("no thinking block first: \(message.content)")
            return
        }
        #expect(text == "Hmm." && !signature.isEmpty)
    }

    @Test(
        "tool arguments: an object is kept, another JSON value is wrapped, non-JSON is kept rather than lost",
        arguments: [
            (#""{\"a\":1}""#, JSONValue.object([("a", 1)])),
            (#""[1,2]""#, ["input": [1, 2]]),
            (#""\"just text\"""#, ["input": "just text"]),
            (#""42""#, ["input": 42]),
            (#""""#, [:]),
            (#"{"a":1}"#, ["a": 1]),
        ] as [(String, JSONValue)]
    )
    func argumentParsing(argumentsJSON: String, expected: JSONValue) throws {
        let message = try translate(
            completion(
                #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"#
                    + argumentsJSON + "}}]}",
                finish: "tool_calls"
            ))
        #expect(toolInputs(message) == [expected])
    }

    @Test("arguments that are not JSON at all keep the raw text instead of becoming {}")
    func unparsableArguments() throws {
        let raw = #"{"path": "a.txt"#
        let message = try translate(
            completion(
                #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"#
                    + UpstreamChunk.quoted(raw) + "}}]}",
                finish: "tool_calls"
            ))
        let input = try #require(toolInputs(message).first)
        #expect(input != [:])
        #expect(input.serializedString().contains(#"a.txt"#))
    }

    @Test("stop_sequence is always present, as null")
    func stopSequenceNull() throws {
        let json = try translate(completion(#"{"role":"assistant","content":"Hi"}"#)).json
        #expect(json["stop_sequence"] == .null)
    }

    @Test("the message has every top-level key Anthropic sends, model echoed from the client")
    func topLevelShape() throws {
        let json = try translate(completion(#"{"role":"assistant","content":"Hi"}"#)).json
        #expect(
            json.objectValue?.map(\.key).sorted() == ["content", "id", "model", "role", "stop_reason", "stop_sequence", "type", "usage"])
        #expect(json["model"] == "claude-opus-4-6")
        #expect(json["type"] == "message")
        #expect(json["id"]?.stringValue?.hasPrefix("msg_") == true)
    }

    @Test("usage has all four keys with cached tokens subtracted from input")
    func fullUsage() throws {
        let json = try translate(
            completion(
                #"{"role":"assistant","content":"Hi"}"#,
                usage: #"{"prompt_tokens":1200,"completion_tokens":40,"prompt_tokens_details":{"cached_tokens":1000}}"#
            )
        ).json
        #expect(
            canonicalJSON(json["usage"] ?? .null)
                == canonicalJSON(
                    #"{"input_tokens":200,"output_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":1000}"#
                ))
    }

    @Test("usage keys are all present even when the upstream reports no usage")
    func usageWithoutUpstream() throws {
        let json = try translate(completion(#"{"role":"assistant","content":"Hi"}"#)).json
        #expect(
            json["usage"]?.objectValue?.map(\.key).sorted() == [
                "cache_creation_input_tokens", "cache_read_input_tokens", "input_tokens", "output_tokens",
            ])
    }

    @Test("a shortened tool name is restored to the client's name")
    func toolNameRestored() throws {
        let longName = "mcp__" + String(repeating: "a_very_long_mcp_server_", count: 3) + "tool"
        let mapping = ToolNameMapping(clientNames: [longName])
        let message = try translate(
            completion(
                #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"#
                    + UpstreamChunk.quoted(mapping.upstreamName(for: longName)) + #","arguments":"{}"}}]}"#,
                finish: "tool_calls"
            ), toolNames: mapping)
        #expect(message.content == [.toolUse(id: "call_1", name: longName, input: [:])])
    }

    @Test("an unsafe upstream tool id is normalised")
    func unsafeToolID() throws {
        let message = try translate(
            completion(
                #"{"role":"assistant","content":null,"tool_calls":[{"id":"functions.Bash:0","type":"function","function":{"name":"Bash","arguments":"{}"}}]}"#,
                finish: "tool_calls"
            ))
        guard case .toolUse(let id, _, _)? = message.content.first else {
            Issue.record("no tool_use block")
            return
        }
        #expect(id == "functions_Bash_0")
    }

    @Test(
        "finish_reason maps to stop_reason",
        arguments: [
            ("stop", false, StopReason.endTurn),
            ("stop", true, .toolUse),
            ("tool_calls", true, .toolUse),
            ("tool_calls", false, .endTurn),
            ("length", false, .maxTokens),
            ("content_filter", false, .refusal),
        ]
    )
    func stopReasons(finish: String, withTool: Bool, expected: StopReason) throws {
        let calls = withTool ? #","tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"{}"}}]"# : ""
        let message = try translate(completion(#"{"role":"assistant","content":"x""# + calls + "}", finish: finish))
        #expect(message.stopReason == expected)
    }

    @Test("a refusal becomes a text block and stop_reason refusal")
    func refusal() throws {
        let message = try translate(completion(#"{"role":"assistant","content":null,"refusal":"I can't help with that."}"#))
        #expect(message.content == [.text("I can't help with that.")])
        #expect(message.stopReason == .refusal)
    }

    @Test("an empty answer still has one (empty) text block")
    func emptyContent() throws {
        let json = try translate(completion(#"{"role":"assistant","content":""}"#)).json
        #expect(json["content"] == [["type": "text", "text": ""]])
    }

    @Test("content given as an array of parts is joined")
    func contentParts() throws {
        let message = try translate(completion(#"{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}"#))
        #expect(message.content == [.text("ab")])
    }

    @Test("an error body instead of a completion throws")
    func errorBody() {
        #expect(throws: AnthropicError.self) {
            try ResponseTranslator.message(from: JSONParser.parse(#"{"error":{"message":"bad","code":400}}"#), clientModel: "m")
        }
    }

    @Test("a completion without choices throws")
    func noChoices() {
        #expect(throws: AnthropicError.self) {
            try ResponseTranslator.message(from: JSONParser.parse(#"{"id":"x","choices":[]}"#), clientModel: "m")
        }
    }

    @Test("a whole message replayed as a stream follows the grammar")
    func replayGrammar() throws {
        let message = try translate(
            completion(
                #"{"role":"assistant","content":"Reading.","reasoning_content":"Plan.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"{\"path\":\"a\"}"}}]}"#,
                finish: "tool_calls"
            ))
        let events = MessageReplay.events(for: message, estimatedInputTokens: 10)
        #expect(StreamGrammar.violations(in: events) == [])
    }
}

@Suite("Tool arguments and ids")
struct ToolArgumentsTests {
    @Test(
        "ToolArguments.object never returns a non-object",
        arguments: [
            JSONValue.null, .string(""), .string("  "), .string("{}"), .string("[1]"), .string("nope"), .integer(3), .array([1]),
        ] as [JSONValue]
    )
    func alwaysObject(arguments: JSONValue) {
        #expect(ToolArguments.object(from: arguments).objectValue != nil)
    }

    @Test(
        "ToolCallID.normalized keeps safe ids and replaces other characters",
        arguments: [
            ("toolu_01AbC", "toolu_01AbC"),
            ("call-9", "call-9"),
            ("functions.Bash:0", "functions_Bash_0"),
            ("a b/c", "a_b_c"),
        ]
    )
    func normalizedIDs(id: String, expected: String) {
        #expect(ToolCallID.normalized(id) == expected)
    }
}
