import Testing

@testable import ProxyCore

@Suite("Message walk: system prompt and messages (docs/translation.md §3.2–3.5)")
struct MessageWalkTests {
    typealias R = RequestHarness

    // MARK: - System (§10 item 1)

    @Test("the billing line is removed and the other system blocks are joined with a blank line")
    func systemBlocks() throws {
        let messages = try R.messages(
            #"[{"role":"user","content":"hi"}]"#,
            extra:
                #","system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.117.48f; cc_entrypoint=cli; cch=71fea;"},{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Be brief."}]"#
        )
        #expect(messages.first == ["role": "system", "content": "You are Claude Code.\n\nBe brief."])
    }

    @Test(
        "system text is collected, billing line dropped, empty system omitted",
        arguments: [
            (#""You are Claude Code.""#, "You are Claude Code." as String?),
            (#""x-anthropic-billing-header: cc_version=1; cch=ab12c;\nYou are Claude Code.""#, "You are Claude Code."),
            (#"[{"type":"text","text":"  x-anthropic-billing-header: cch=1;"},{"type":"text","text":"A"}]"#, "A"),
            (#"[{"type":"text","text":"x-anthropic-billing-header: cch=1;"}]"#, nil),
            (#""""#, nil),
            (#"[]"#, nil),
            (#"[{"type":"text","text":"   "}]"#, nil),
        ]
    )
    func systemVariants(system: String, expected: String?) throws {
        let messages = try R.messages(#"[{"role":"user","content":"hi"}]"#, extra: #","system":"# + system)
        if let expected {
            #expect(messages.first == ["role": "system", "content": .string(expected)])
        } else {
            #expect(R.roles(messages) == ["user"])
        }
    }

    @Test("a mid-conversation system message never reaches the upstream as a second system message")
    func midConversationSystem() throws {
        let messages = try R.messages(
            #"[{"role":"user","content":"hi"},{"role":"system","content":[{"type":"text","text":"MCP instructions"}]}]"#,
            extra: #","system":"top""#
        )
        #expect(R.roles(messages).dropFirst().allSatisfy { $0 != "system" })
        #expect(messages.contains { $0["content"]?.stringValue?.contains("MCP instructions") == true })
    }

    // MARK: - Tool results (§10 items 3–7)

    private static let readCall =
        #"{"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"Read","input":{"path":"a.txt"}}]}"#

    @Test("tool_result + text in one user message → the tool message, then the user message")
    func toolResultThenText() throws {
        let messages = try R.messages(
            "[" + #"{"role":"user","content":"open a.txt"},"# + Self.readCall + ","
                + #"{"role":"user","content":[{"type":"text","text":"<system-reminder>before</system-reminder>"},{"type":"tool_result","tool_use_id":"toolu_01","content":"hello"},{"type":"text","text":"<system-reminder>todo list empty</system-reminder>"}]}]"#
        )
        #expect(
            canonicalJSON(.array(Array(messages.dropFirst(2))))
                == canonicalJSON(
                    #"[{"role":"tool","tool_call_id":"toolu_01","content":"hello"},{"role":"user","content":[{"type":"text","text":"<system-reminder>before</system-reminder>"},{"type":"text","text":"<system-reminder>todo list empty</system-reminder>"}]}]"#
                ))
    }

    @Test("several tool_results become tool messages in block order with their ids")
    func multipleToolResults() throws {
        let messages = try R.messages(
            #"""
            [{"role":"user","content":"go"},
             {"role":"assistant","content":[{"type":"tool_use","id":"toolu_a","name":"Read","input":{}},{"type":"tool_use","id":"toolu_b","name":"Read","input":{}},{"type":"tool_use","id":"toolu_c","name":"Read","input":{}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_c","content":"C"},{"type":"tool_result","tool_use_id":"toolu_a","content":"A"},{"type":"tool_result","tool_use_id":"toolu_b","content":"B"}]}]
            """#)
        let tools = messages.filter { $0["role"] == "tool" }
        #expect(tools.map { $0["tool_call_id"]?.stringValue ?? "" } == ["toolu_c", "toolu_a", "toolu_b"])
        #expect(tools.map { $0["content"]?.stringValue ?? "" } == ["C", "A", "B"])
    }

    @Test("tool messages immediately follow the assistant message holding the tool_calls")
    func toolMessagesAdjacent() throws {
        let messages = try R.messages(
            "[" + #"{"role":"user","content":"go"},"# + Self.readCall + ","
                + #"{"role":"user","content":[{"type":"text","text":"note"},{"type":"tool_result","tool_use_id":"toolu_01","content":"x"}]}]"#
        )
        #expect(R.roles(messages) == ["user", "assistant", "tool", "user"])
    }

    @Test(
        "tool_result content becomes tool text: is_error prefixed, empty as \"\", text blocks joined",
        arguments: [
            (#""content":"boom","is_error":true"#, "Error: boom"),
            (#""content":[{"type":"text","text":"boom"}],"is_error":true"#, "Error: boom"),
            (#""content":"""#, ""),
            (#""content":[]"#, ""),
            (#""is_error":false"#, ""),
            (#""content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]"#, "a\nb"),
            (#""content":"ok","is_error":false"#, "ok"),
        ]
    )
    func toolResultText(fields: String, expected: String) throws {
        let messages = try R.messages(
            "[" + #"{"role":"user","content":"go"},"# + Self.readCall + ","
                + #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","# + fields + "}]}]"
        )
        let tool = try #require(messages.first { $0["role"] == "tool" })
        #expect(tool["content"] == .string(expected))
    }

    @Test("an image inside a tool_result moves to a user message after the tool message, a placeholder stays")
    func toolResultImage() throws {
        let messages = try R.messages(
            "[" + #"{"role":"user","content":"shot"},"# + Self.readCall + ","
                + #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":[{"type":"text","text":"Screenshot:"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}]"#
        )
        #expect(R.roles(messages) == ["user", "assistant", "tool", "user"])
        let toolText = messages[2]["content"]?.stringValue ?? ""
        #expect(toolText.hasPrefix("Screenshot:") && toolText.contains("[image"))
        #expect(!toolText.contains("iVBORw0KGgo="))
        #expect(messages[3]["content"] == [["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgo="]]])
    }

    @Test("an orphan tool_use gets a synthetic tool message before the next user turn")
    func orphanToolUse() throws {
        let messages = try R.messages(
            "[" + #"{"role":"user","content":"go"},"# + Self.readCall + "," + #"{"role":"user","content":"never mind"}]"#
        )
        #expect(R.roles(messages) == ["user", "assistant", "tool", "user"])
        #expect(messages[2]["tool_call_id"] == "toolu_01")
        #expect(messages[2]["content"]?.stringValue?.isEmpty == false)
    }

    @Test("an orphan tool_use at the end of the history is closed too")
    func orphanToolUseAtEnd() throws {
        let messages = try R.messages("[" + #"{"role":"user","content":"go"},"# + Self.readCall + "]")
        #expect(R.roles(messages) == ["user", "assistant", "tool"])
    }

    @Test("an orphan tool_result does not become a tool message, its text is kept")
    func orphanToolResult() throws {
        let messages = try R.messages(
            #"[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_gone","content":"old output"},{"type":"text","text":"continue"}]}]"#
        )
        #expect(R.roles(messages) == ["user"])
        #expect(messages[0].serializedString().contains("old output"))
    }

    // MARK: - Assistant (§10 item 8)

    @Test("assistant text + tool_use → one assistant message with arguments as JSON text")
    func assistantTextAndTool() throws {
        let messages = try R.messages(
            #"""
            [{"role":"user","content":"go"},
             {"role":"assistant","content":[{"type":"text","text":"Reading "},{"type":"text","text":"now."},{"type":"tool_use","id":"toolu_01","name":"Read","input":{"path":"a.txt","limit":5}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"x"}]}]
            """#)
        #expect(
            canonicalJSON(messages[1])
                == canonicalJSON(
                    #"{"role":"assistant","content":"Reading now.","tool_calls":[{"id":"toolu_01","type":"function","function":{"name":"Read","arguments":"{\"path\":\"a.txt\",\"limit\":5}"}}]}"#
                ))
    }

    @Test(
        "tool_use input: empty → \"{}\", non-object wrapped as {\"input\":…}",
        arguments: [
            (#""input":{}"#, "{}"),
            ("", "{}"),
            (#""input":"raw string""#, #"{"input":"raw string"}"#),
            (#""input":[1,2]"#, #"{"input":[1,2]}"#),
        ]
    )
    func toolUseInput(inputMember: String, expected: String) throws {
        let separator = inputMember.isEmpty ? "" : ","
        let messages = try R.messages(
            #"[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"Read""#
                + separator + inputMember + "}]}]"
        )
        let call = try #require(messages[1]["tool_calls"]?.arrayValue?.first)
        #expect(call["function"]?["arguments"] == .string(expected))
    }

    @Test("an assistant message with only a tool call has null content")
    func assistantNullContent() throws {
        let messages = try R.messages("[" + #"{"role":"user","content":"go"},"# + Self.readCall + "]")
        #expect(messages[1]["content"] == .null)
    }

    @Test("thinking blocks in assistant history are not sent by default")
    func thinkingDropped() throws {
        let messages = try R.messages(
            #"[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"thinking","thinking":"secret plan","signature":"ccp1.e30"},{"type":"text","text":"Done."}]}]"#
        )
        #expect(messages[1] == ["role": "assistant", "content": "Done."])
    }

    // MARK: - User content (§3.5)

    @Test("a user message with one text block is sent as a plain string")
    func singleTextPart() throws {
        let messages = try R.messages(#"[{"role":"user","content":[{"type":"text","text":"hello"}]}]"#)
        #expect(messages == [["role": "user", "content": "hello"]])
    }

    @Test("images become image_url parts: base64 as a data URL, URL kept")
    func userImages() throws {
        let messages = try R.messages(
            #"[{"role":"user","content":[{"type":"text","text":"look"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAAA"}},{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]"#
        )
        #expect(
            canonicalJSON(messages[0])
                == canonicalJSON(
                    #"{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}"#
                ))
    }

    @Test("whitespace-only text parts are dropped")
    func whitespaceTextDropped() throws {
        let messages = try R.messages(#"[{"role":"user","content":[{"type":"text","text":"  "},{"type":"text","text":"hi"}]}]"#)
        #expect(messages == [["role": "user", "content": "hi"]])
    }

    @Test("unknown block types are dropped instead of failing the request")
    func unknownBlocks() throws {
        let messages = try R.messages(#"[{"role":"user","content":[{"type":"brand_new_block","x":1},{"type":"text","text":"hi"}]}]"#)
        #expect(messages == [["role": "user", "content": "hi"]])
    }
}
