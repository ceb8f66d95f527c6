import GeminiAdapter
import ProxyCore
import Testing

/// Gemini 3 refuses a function call of the current turn sent back without the signature it came with;
/// every signature must come back on the part it came on, and only to the account and model that made it.
@Suite("Gemini thought signatures")
struct GeminiSignatureTests {
    let gemini = GeminiHarness()
    let question = InputMessage(role: .user, content: [.text("list the files")])

    /// The next request's body after the client got `answer`: the answer given back as the assistant's
    /// message, each of its calls answered.
    func followUp(to message: AnthropicMessage, with harness: GeminiHarness? = nil, thinking: ThinkingSetting? = nil) throws -> [JSONValue]
    {
        let results = message.toolUseIDs.map { ContentBlock.toolResult(toolUseID: $0, content: [.text("ok")], isError: false) }
        var request = MessagesRequest(
            model: "claude-sonnet-4-5",
            messages: [question, message.asInput] + (results.isEmpty ? [] : [InputMessage(role: .user, content: results)]))
        request.thinking = thinking
        return try (harness ?? gemini).body(request)["contents"]?.arrayValue ?? []
    }

    func answer(_ parts: [String], thinking: Bool = false) throws -> AnthropicMessage {
        let extra = thinking ? #","thinking":{"type":"adaptive"}"# : ""
        return try gemini.message(
            answering: GeminiWire.response(parts: parts),
            to: GeminiHarness.request(#"[{"role":"user","content":"list the files"}]"#, extra: extra))
    }

    @Test("a function call's signature comes back on that call")
    func singleCall() throws {
        let message = try answer([GeminiWire.call("Bash", args: #"{"command":"ls"}"#, signature: "c2lnLTE=")])
        #expect(message.stopReason == .toolUse)
        let id = try #require(message.toolUseIDs.first)
        #expect(id.hasPrefix("toolu_"))
        let contents = try followUp(to: message)
        #expect(
            contents[1] == [
                "role": "model", "parts": [["functionCall": ["name": "Bash", "args": ["command": "ls"]], "thoughtSignature": "c2lnLTE="]],
            ])
        #expect(contents[2]["parts"]?.arrayValue?.first?["functionResponse"]?["name"] == "Bash")
    }

    @Test("parallel calls: the signature stays on the first, the others go without")
    func parallelCalls() throws {
        let message = try answer([
            GeminiWire.call("Read", args: #"{"path":"a"}"#, signature: "c2lnLTI="), GeminiWire.call("Read", args: #"{"path":"b"}"#),
        ])
        #expect(Set(message.toolUseIDs).count == 2)
        let parts = try followUp(to: message)[1]["parts"]?.arrayValue ?? []
        #expect(parts.map { $0["thoughtSignature"] } == ["c2lnLTI=", nil])
        #expect(parts.map { $0["functionCall"]?["args"]?["path"] } == ["a", "b"])
    }

    @Test("Gemini's own call ids go back on the call and its response")
    func callIDs() throws {
        let message = try answer([#"{"functionCall":{"id":"call-7","name":"Bash","args":{}},"thoughtSignature":"c2ln"}"#])
        let contents = try followUp(to: message)
        #expect(contents[1]["parts"]?.arrayValue?.first?["functionCall"]?["id"] == "call-7")
        #expect(contents[2]["parts"]?.arrayValue?.first?["functionResponse"]?["id"] == "call-7")
    }

    @Test("another account or model gets the validator's skip value on the current turn's calls, nothing from this one")
    func foreignCalls() throws {
        let message = try answer([GeminiWire.call("Bash", signature: "c2lnLTE=")])
        var otherAccount = GeminiHarness(key: "other-key")
        otherAccount.model = gemini.model
        var otherModel = GeminiHarness()
        otherModel.model = "gemini-3-flash"
        for harness in [otherAccount, otherModel] {
            let part = try followUp(to: message, with: harness)[1]["parts"]?.arrayValue?.first
            #expect(part?["thoughtSignature"] == "skip_thought_signature_validator")
        }
        // A call the proxy never saw (made elsewhere) in the current turn; and one in an earlier turn,
        // which Gemini does not check.
        let body = try gemini.body(
            GeminiHarness.request(
                #"""
                [{"role":"user","content":"one"},
                 {"role":"assistant","content":[{"type":"tool_use","id":"toolu_old","name":"Bash","input":{}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_old","content":"ok"}]},
                 {"role":"assistant","content":"done"},
                 {"role":"user","content":"two"},
                 {"role":"assistant","content":[{"type":"tool_use","id":"toolu_new","name":"Bash","input":{}},{"type":"tool_use","id":"toolu_new2","name":"Bash","input":{}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_new","content":"ok"},{"type":"tool_result","tool_use_id":"toolu_new2","content":"ok"}]}]
                """#))
        let contents = body["contents"]?.arrayValue ?? []
        #expect(contents[1]["parts"]?.arrayValue?.first?["thoughtSignature"] == nil)
        #expect(contents[5]["parts"]?.arrayValue?.map { $0["thoughtSignature"] } == ["skip_thought_signature_validator", nil])
    }

    @Test("thoughts: thinking blocks whose signature goes back on the thought")
    func thoughts() throws {
        let message = try answer(
            [GeminiWire.thought("Plan: run ls.", signature: "dGhvdWdodA=="), GeminiWire.call("Bash", signature: "Y2FsbA==")], thinking: true
        )
        guard case .thinking(let text, let signature) = message.content.first else {
            Issue.record("no thinking block: \(message.content)")
            return
        }
        #expect(text == "Plan: run ls.")
        #expect(signature.hasPrefix("ccp1."))
        let parts = try followUp(to: message, thinking: .adaptive)[1]["parts"]?.arrayValue ?? []
        #expect(parts.first == ["text": "Plan: run ls.", "thought": true, "thoughtSignature": "dGhvdWdodA=="])
        #expect(parts.last?["thoughtSignature"] == "Y2FsbA==")
        // Thinking from elsewhere (the proxy's plain signature, another service's) does not go to Gemini.
        var request = MessagesRequest(
            model: "m",
            messages: [
                question, InputMessage(role: .assistant, content: [.thinking(text: "x", signature: "EqQBCkYIBxgCKkD"), .text("hello")]),
                InputMessage(role: .user, content: [.text("more")]),
            ])
        request.thinking = .adaptive
        #expect(try gemini.body(request)["contents"]?.arrayValue?[1]["parts"] == [["text": "hello"]])
    }

    @Test("an answer text's signature stays out of the answer, whose last block is its text")
    func textSignature() throws {
        #expect(try answer([GeminiWire.text("Done.", signature: "dGV4dA==")], thinking: true).content == [.text("Done.")])
        #expect(try answer([GeminiWire.text("Done.", signature: "dGV4dA==")]).content == [.text("Done.")])
    }
}
