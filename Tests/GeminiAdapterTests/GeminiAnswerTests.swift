import ClaudeCodeProxyTestKit
import GeminiAdapter
import ProxyCore
import Testing

@Suite("Gemini answers")
struct GeminiAnswerTests {
    let gemini = GeminiHarness()

    @Test("usage: cached tokens as cache reads, thoughts as output")
    func usage() throws {
        let message = try gemini.message(
            answering: GeminiWire.response(
                parts: [GeminiWire.text("hi")], usage: GeminiWire.usage(prompt: 1000, output: 20, thoughts: 80, cached: 600)))
        #expect(message.usage == TokenUsage(inputTokens: 400, outputTokens: 100, cacheReadInputTokens: 600))
        #expect(message.stopReason == .endTurn)
        #expect(message.model == "claude-sonnet-4-5")
    }

    @Test("finish reasons")
    func finishReasons() throws {
        #expect(
            try gemini.message(answering: GeminiWire.response(parts: [GeminiWire.text("cut")], finish: "MAX_TOKENS")).stopReason
                == .maxTokens)
        let refused = try gemini.message(answering: GeminiWire.response(parts: [], finish: "SAFETY"))
        #expect(refused.stopReason == .refusal)
        #expect(refused.content == [.text("\(StopReason.contentFilterNotice) (SAFETY)")])
        let blocked = try gemini.message(
            answering:
                #"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5}}"#)
        #expect(blocked.stopReason == .refusal)
        #expect(blocked.content == [.text("\(StopReason.contentFilterNotice) (prompt: PROHIBITED_CONTENT)")])
        let malformed =
            #"{"candidates":[{"content":{"role":"model","parts":[]},"finishReason":"MALFORMED_FUNCTION_CALL","finishMessage":"bad args"}]}"#
        #expect(
            throws: AnthropicError(
                .api, "provider 'gemini' could not produce a valid function call (MALFORMED_FUNCTION_CALL): bad args", status: 502)
        ) {
            try gemini.message(answering: malformed)
        }
        #expect(throws: AnthropicError.self) { try gemini.message(answering: "<html>") }
    }

    /// What the proxy makes of a failure status (`UpstreamCall`): the answer's own error, else the usual
    /// mapping; Gemini's answer has none of its own.
    func mapped(_ status: Int, _ body: String) throws -> AnthropicError {
        let answer = try gemini.call(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#)).answer
        #expect(answer.error(status: status, headers: [], body: Array(body.utf8)) == nil)
        return UpstreamErrorMapping.error(status: status, headers: [], body: Array(body.utf8), provider: "gemini")
    }

    @Test("Google's errors as Anthropic's: RetryInfo as retry-after, a per-minute quota as a rate limit, an unknown key as authentication")
    func errors() throws {
        let limited = try mapped(
            429,
            #"{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"6.2s"}]}}"#
        )
        #expect(limited.type == .rateLimit)
        #expect(limited.headers.contains(HTTPHeader("retry-after", "7")))
        let minuteLimit = try mapped(
            429,
            #"{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2s"}]}}"#
        )
        #expect(minuteLimit.type == .rateLimit)
        #expect(minuteLimit.headers.contains(HTTPHeader("retry-after", "2")))
        let unauthenticated = try mapped(
            400,
            #"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#
        )
        #expect(unauthenticated.type == .authentication)
        #expect(unauthenticated.status == 401)
        let long = try mapped(
            400,
            #"{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#
        )
        #expect(long.message.hasPrefix("prompt is too long: 1200000 tokens > 1048576 maximum"))
        #expect(try mapped(503, #"{"error":{"code":503,"status":"UNAVAILABLE"}}"#).type == .overloaded)
        // An error sent as a stream event is read the same way.
        let stream = try gemini.call(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#, extra: #","stream":true"#)).answer
        let inBand = AnswerStreamRun(
            stream,
            bytes: GeminiWire.sse([
                #"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#
            ]))
        #expect(inBand.error?.type == .authentication)
    }
}

@Suite("Gemini streams")
struct GeminiStreamTests {
    let gemini = GeminiHarness()

    func answer(thinking: Bool = true) throws -> any UpstreamAnswer {
        let extra = #","stream":true"# + (thinking ? #","thinking":{"type":"adaptive"}"# : "")
        return try gemini.call(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#, extra: extra)).answer
    }

    static let toolStream = GeminiWire.sse([
        GeminiWire.response(parts: [GeminiWire.thought("Let me ")], finish: nil, usage: nil),
        GeminiWire.response(parts: [GeminiWire.thought("look.", signature: "dGg=")], finish: nil, usage: nil),
        GeminiWire.response(parts: [GeminiWire.text("Listing ")], finish: nil, usage: nil),
        GeminiWire.response(parts: [GeminiWire.text("files.")], finish: nil, usage: nil),
        GeminiWire.response(
            parts: [
                GeminiWire.call("Bash", args: #"{"command":"ls"}"#, signature: "Y2FsbA=="), GeminiWire.call("Read", args: #"{"path":"a"}"#),
            ],
            finish: "STOP", usage: GeminiWire.usage(prompt: 50, output: 30, thoughts: 10)),
    ])

    @Test("thoughts, text and calls stream as blocks in the grammar, whatever the splits")
    func toolStream() throws {
        let run = AnswerStreamRun(try answer(), bytes: Self.toolStream)
        #expect(run.error == nil)
        #expect(StreamGrammar.violations(in: run.events) == [])
        #expect(run.thinking == "Let me look.")
        #expect(run.text == "Listing files.")
        #expect(run.messageDelta?.stopReason == .toolUse)
        #expect(run.messageDelta?.usage == TokenUsage(inputTokens: 50, outputTokens: 40))
        let tools = run.events.compactMap { if case .contentBlockStart(_, .toolUse(_, let name)) = $0 { name } else { nil } }
        #expect(tools == ["Bash", "Read"])
        #expect(AnswerStreamRun.splitsThatChangeTheAnswer(try answer(), bytes: Self.toolStream) == [])
    }

    @Test("a streamed answer's signatures come back on their parts")
    func streamedSignatures() throws {
        let run = AnswerStreamRun(try answer(), bytes: Self.toolStream)
        var blocks: [ContentBlock] = []
        var thinking = ""
        var signature = ""
        for event in run.events {
            switch event {
            case .contentBlockStart(_, .toolUse(let id, let name)): blocks.append(.toolUse(id: id, name: name, input: [:]))
            case .contentBlockDelta(_, .thinking(let text)): thinking += text
            case .contentBlockDelta(_, .signature(let text)): signature = text
            case .contentBlockStop where !thinking.isEmpty:
                blocks.append(.thinking(text: thinking, signature: signature))
                thinking = ""
            default: continue
            }
        }
        var request = MessagesRequest(
            model: "m", messages: [InputMessage(role: .user, content: [.text("hi")]), InputMessage(role: .assistant, content: blocks)])
        request.thinking = .adaptive
        let parts = try gemini.body(request)["contents"]?.arrayValue?[1]["parts"]?.arrayValue ?? []
        #expect(parts.map { $0["thoughtSignature"] } == ["dGg=", "Y2FsbA==", nil])
    }

    @Test("a text signature on a last empty chunk ends the answer with the text block")
    func trailingSignature() throws {
        let bytes = GeminiWire.sse([
            GeminiWire.response(parts: [GeminiWire.text("Done")], finish: nil, usage: nil),
            GeminiWire.response(parts: [GeminiWire.text("", signature: "dHh0")], finish: "STOP"),
        ])
        let run = AnswerStreamRun(try answer(), bytes: bytes)
        #expect(StreamGrammar.violations(in: run.events) == [])
        #expect(
            run.events.filter { if case .contentBlockStart = $0 { true } else { false } } == [.contentBlockStart(index: 0, block: .text)])
        #expect(run.text == "Done")
    }

    @Test("a stream cut before its finishReason fails; an error chunk fails with its type")
    func failures() throws {
        let cut = AnswerStreamRun(try answer(), bytes: GeminiWire.sse([GeminiWire.response(parts: [GeminiWire.text("Hal")], finish: nil)]))
        #expect(cut.error?.message.contains("ended before its finishReason") == true)
        #expect(StreamGrammar.violations(in: cut.events, complete: false) == [])
        let quota = AnswerStreamRun(
            try answer(), bytes: GeminiWire.sse([#"{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}"#]))
        #expect(quota.error?.type == .rateLimit)
        let refused = AnswerStreamRun(try answer(), bytes: GeminiWire.sse([#"{"promptFeedback":{"blockReason":"SAFETY"}}"#]))
        #expect(refused.messageDelta?.stopReason == .refusal)
        #expect(StreamGrammar.violations(in: refused.events) == [])
    }
}
