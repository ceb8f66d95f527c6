import Testing

@testable import ProxyCore

@Suite("Provider-dependent message shapes: mid-conversation system, user merging, tool ids, <think> tags")
struct MessageShapeTests {
    static let request = MessagesRequest(
        model: "m", maxTokens: 100, system: ["You are terse."],
        messages: [
            InputMessage(role: .user, content: [.text("list files")]),
            InputMessage(role: .system, content: [.text("MCP server ready.")]),
            InputMessage(role: .assistant, content: [.toolUse(id: "toolu_01ABC", name: "Bash", input: ["command": "ls"])]),
            InputMessage(role: .user, content: [.toolResult(toolUseID: "toolu_01ABC", content: [.text("a.txt")], isError: false)]),
            InputMessage(role: .user, content: [.text("and now?")]),
        ]
    )

    static func messages(_ configure: (inout ChatCompletionsOptions) -> Void) -> [JSONValue] {
        var options = ChatCompletionsOptions(upstreamModel: "m", maxTokens: 100)
        configure(&options)
        return RequestTranslator.body(for: request, options: options).body["messages"]?.arrayValue ?? []
    }

    @Test("mid_system: inline_user wraps it in a system-reminder user message in place")
    func inlineUser() {
        let messages = Self.messages { _ in }
        #expect(messages[2] == ["role": "user", "content": "<system-reminder>\nMCP server ready.\n</system-reminder>"])
        #expect(messages[0] == ["role": "system", "content": "You are terse."])
    }

    @Test("mid_system: merge_top appends it to the top system message")
    func mergeTop() {
        let messages = Self.messages { $0.quirks = ProviderQuirks(["mid_system": "merge_top"]) }
        #expect(messages[0] == ["role": "system", "content": "You are terse.\n\nMCP server ready."])
        #expect(messages.filter { $0["role"] == "system" }.count == 1)
        #expect(messages[1] == ["role": "user", "content": "list files"])
    }

    @Test("mid_system: inline_system keeps a system message in place")
    func inlineSystem() {
        #expect(
            Self.messages { $0.quirks = ProviderQuirks(["mid_system": "inline_system"]) }[2] == [
                "role": "system", "content": "MCP server ready.",
            ])
    }

    @Test("merge_consecutive_users joins adjacent user messages; tool messages stay in place")
    func mergeUsers() {
        let merged = Self.messages { $0.mergeConsecutiveUsers = true }
        #expect(merged.map { $0["role"]?.stringValue ?? "" } == ["system", "user", "assistant", "tool", "user"])
        #expect(merged[1] == ["role": "user", "content": "list files\n\n<system-reminder>\nMCP server ready.\n</system-reminder>"])
        #expect(Self.messages { _ in }.map { $0["role"]?.stringValue ?? "" } == ["system", "user", "user", "assistant", "tool", "user"])
    }

    @Test("tool_id_format: mistral9 maps ids to nine letters and digits, the same way in calls and results")
    func mistralIDs() {
        let messages = Self.messages { $0.quirks = ProviderQuirks(["tool_id_format": "mistral9"]) }
        let callID = messages[3]["tool_calls"]?.arrayValue?.first?["id"]?.stringValue ?? ""
        #expect(callID.count == 9 && callID.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(messages[4]["tool_call_id"] == .string(callID))
        #expect(MistralToolID.id(for: "toolu_01ABC") == callID, "the mapping is stable across requests")
        #expect(MistralToolID.id(for: "Ab3dE6gH9") == "Ab3dE6gH9", "ids Mistral issued are kept")
    }

    static let thinkAnswer = "  <think>Check the file first.</think>\n\nIt has 3 lines."

    @Test("<think> tags split into thinking and text at every chunk boundary")
    func thinkTagsEverySplit() {
        for split in 0...Self.thinkAnswer.count {
            var splitter = ThinkTagSplitter()
            let head = String(Self.thinkAnswer.prefix(split))
            let tail = String(Self.thinkAnswer.dropFirst(split))
            let pieces = splitter.feed(head) + splitter.feed(tail) + splitter.finish()
            var thinking = ""
            var text = ""
            for piece in pieces {
                switch piece {
                case .thinking(let part): thinking += part
                case .text(let part): text += part
                }
            }
            #expect(thinking == "Check the file first.", "split at \(split)")
            #expect(text == "It has 3 lines.", "split at \(split)")
        }
    }

    @Test("text that only looks like it might open a tag stays text")
    func notAThinkTag() {
        var splitter = ThinkTagSplitter()
        let pieces = splitter.feed("<thi") + splitter.feed("ng> is a tag") + splitter.finish()
        #expect(pieces == [.text("<thing> is a tag")])
    }

    @Test("think_tags turns inline reasoning into a thinking block, streamed and not")
    func thinkTagsTranslated() throws {
        let completion: JSONValue = [
            "choices": [["index": 0, "message": ["role": "assistant", "content": .string(Self.thinkAnswer)], "finish_reason": "stop"]]
        ]
        let (message, _) = try ResponseTranslator.message(from: completion, clientModel: "c", thinkTags: true)
        #expect(
            message.content == [
                .thinking(text: "Check the file first.", signature: ThinkingSignature.proxySignature), .text("It has 3 lines."),
            ])
        var translator = StreamTranslator(messageID: "msg", clientModel: "c", estimatedInputTokens: 5, thinkTags: true)
        var events: [StreamEvent] = []
        for piece in ["<thi", "nk>Check the ", "file first.</th", "ink>\n\nIt has", " 3 lines."] {
            try translator.consume(["choices": [["index": 0, "delta": ["content": .string(piece)]]]], into: &events)
        }
        try translator.consume(["choices": [["index": 0, "delta": [:], "finish_reason": "stop"]]], into: &events)
        _ = try translator.finish(
            sawEnd: true, usage: ChatCompletionsUsage(context: CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 5)),
            into: &events)
        let thinking = events.compactMap { event -> String? in
            if case .contentBlockDelta(0, .thinking(let part)) = event { return part } else { return nil }
        }.joined()
        let text = events.compactMap { event -> String? in
            if case .contentBlockDelta(1, .text(let part)) = event { return part } else { return nil }
        }.joined()
        #expect(thinking == "Check the file first.")
        #expect(text == "It has 3 lines.")
    }

    @Test("user_after_tool: bridge puts an empty assistant turn between a tool result and a user message")
    func bridgeUserAfterTool() {
        let roles = Self.messages { $0.quirks = ProviderQuirks(["user_after_tool": "bridge"]) }.map { $0["role"]?.stringValue ?? "" }
        #expect(roles == ["system", "user", "user", "assistant", "tool", "assistant", "user"])
        #expect(Self.messages { $0.quirks = ProviderQuirks(["user_after_tool": "bridge"]) }[5] == ["role": "assistant", "content": ""])
    }

    @Test("tool_args: buffer sends a streamed call's arguments once, complete and repaired")
    func bufferedToolArguments() throws {
        var translator = StreamTranslator(messageID: "msg", clientModel: "c", estimatedInputTokens: 5, bufferToolArguments: true)
        var events: [StreamEvent] = []
        let fragments = [#"{"path": "a.t"#, #"xt", "limit": 5,"#]  // ends in a trailing comma and never closes
        try translator.consume(
            [
                "choices": [
                    ["index": 0, "delta": ["tool_calls": [["index": 0, "id": "call_1", "function": ["name": "Read", "arguments": ""]]]]]
                ]
            ], into: &events)
        for fragment in fragments {
            try translator.consume(
                ["choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "function": ["arguments": .string(fragment)]]]]]]],
                into: &events)
        }
        try translator.consume(["choices": [["index": 0, "delta": [:], "finish_reason": "tool_calls"]]], into: &events)
        _ = try translator.finish(
            sawEnd: true, usage: ChatCompletionsUsage(context: CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 5)),
            into: &events)
        let deltas = events.compactMap { event -> String? in
            if case .contentBlockDelta(_, .inputJSON(let json)) = event { return json } else { return nil }
        }
        #expect(deltas.count == 1)
        #expect(try JSONParser.parse(deltas[0]) == ["path": "a.txt", "limit": 5])
    }

    @Test("documents the upstream cannot read become a visible notice, in user turns and tool results")
    func unreadableDocuments() {
        let request = MessagesRequest(
            model: "m", maxTokens: 10,
            messages: [
                InputMessage(
                    role: .user,
                    content: [.document(.base64(mediaType: "application/pdf", data: "JVBE"), title: "spec.pdf"), .text("summarise")]),
                InputMessage(role: .assistant, content: [.toolUse(id: "t1", name: "Read", input: ["file": "a.pdf"])]),
                InputMessage(
                    role: .user,
                    content: [.toolResult(toolUseID: "t1", content: [.document(.url("https://x/a.pdf"), title: nil)], isError: false)]),
            ])
        let messages =
            RequestTranslator.body(for: request, options: .init(upstreamModel: "m", maxTokens: 10)).body["messages"]?.arrayValue ?? []
        #expect(
            messages[0]["content"]?.arrayValue?.first?["text"]
                == "[document 'spec.pdf' (application/pdf) not shown: this model's provider cannot read it]")
        #expect(messages[2]["content"] == "[document at https://x/a.pdf not shown: this model's provider cannot fetch it]")
    }
}
