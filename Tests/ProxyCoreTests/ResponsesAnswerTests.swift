import Testing

@testable import ProxyCore

/// Complete Responses API answers → Anthropic messages (docs/responses-api.md §6.2).
@Suite("Responses API answers")
struct ResponsesAnswerTests {
    static func message(_ response: JSONValue) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        let call = try! ResponsesHarness.call(
            #"{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}"#)
        return try call.answer.message(from: response.serialized())
    }

    @Test("reasoning, text and function calls become thinking, text and tool_use blocks; cached tokens leave input_tokens")
    func outputItems() throws {
        let (message, usage) = try Self.message([
            "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5-codex",
            "output": [
                [
                    "id": "rs_1", "type": "reasoning",
                    "summary": [["type": "summary_text", "text": "A"], ["type": "summary_text", "text": "B"]],
                    "encrypted_content": "gAAAA-1",
                ],
                [
                    "id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
                    "content": [["type": "output_text", "text": "Reading.", "annotations": []]],
                ],
                [
                    "id": "fc_1", "type": "function_call", "call_id": "call_Ab12", "name": "Read", "arguments": #"{"path":"/a.txt"}"#,
                    "status": "completed",
                ],
                ["id": "ws_1", "type": "web_search_call", "status": "completed"],
            ],
            "usage": [
                "input_tokens": 812, "input_tokens_details": ["cached_tokens": 768], "output_tokens": 180,
                "output_tokens_details": ["reasoning_tokens": 128], "total_tokens": 992,
            ],
        ])
        #expect(
            message.content == [
                .thinking(text: "A\n\nB", signature: ResponsesHarness.signature("gAAAA-1")),
                .text("Reading."),
                .toolUse(id: "call_Ab12", name: "Read", input: ["path": "/a.txt"]),
            ])
        #expect(message.stopReason == .toolUse)
        #expect(message.model == ResponsesHarness.clientModel)
        #expect(message.id.hasPrefix("msg_") && message.id != "msg_1")
        #expect(usage.usage == TokenUsage(inputTokens: 44, outputTokens: 180, cacheReadInputTokens: 768))
        #expect(message.usage == usage.usage)
    }

    @Test(
        "stop reasons: incomplete is max_tokens, a content filter or a refusal is refusal",
        arguments: [
            (["status": "incomplete", "incomplete_details": ["reason": "max_output_tokens"]] as JSONValue, StopReason.maxTokens),
            (["status": "incomplete", "incomplete_details": ["reason": "content_filter"]] as JSONValue, .refusal),
            (["status": "completed", "refusal": true] as JSONValue, .refusal),
            (["status": "completed"] as JSONValue, .endTurn),
        ]
    )
    func stopReasons(fields: JSONValue, expected: StopReason) throws {
        var members: [(key: String, value: JSONValue)] = [("object", "response")]
        for (key, value) in fields.objectValue! where key != "refusal" { members.append((key, value)) }
        let part: JSONValue =
            fields["refusal"] == true ? ["type": "refusal", "refusal": "I can't."] : ["type": "output_text", "text": "partial"]
        members.append(("output", [["type": "message", "role": "assistant", "content": [part]]]))
        let (message, _) = try Self.message(.object(members))
        #expect(message.stopReason == expected)
        if fields["incomplete_details"]?["reason"] == "content_filter" {
            #expect(message.content.last == .text(StopReason.contentFilterNotice))
        }
    }

    @Test("a tool call cut by the output limit is dropped, a complete one kept")
    func cutToolCall() throws {
        let (message, _) = try Self.message([
            "object": "response", "status": "incomplete", "incomplete_details": ["reason": "max_output_tokens"],
            "output": [
                ["type": "function_call", "call_id": "call_1", "name": "Read", "arguments": #"{"path":"a"}"#],
                ["type": "function_call", "call_id": "call_2", "name": "Read", "arguments": #"{"path": "/very/lo"#],
            ],
        ])
        #expect(message.content == [.toolUse(id: "call_1", name: "Read", input: ["path": "a"])])
        #expect(message.stopReason == .maxTokens)
    }

    @Test("a failed response is an error of the type its code names; a context overflow is worded for compaction")
    func failures() {
        func failure(_ code: String, _ message: String) -> AnthropicError? {
            do {
                _ = try Self.message([
                    "object": "response", "status": "failed", "error": ["code": .string(code), "message": .string(message)], "output": [],
                ])
                return nil
            } catch { return error }
        }
        #expect(failure("rate_limit_exceeded", "slow down")?.type == .rateLimit)
        #expect(failure("server_error", "boom")?.type == .api)
        #expect(failure("invalid_prompt", "no")?.type == .invalidRequest)
        let overflow = failure("context_length_exceeded", "Your input exceeds the context window of this model.")
        #expect(overflow?.type == .invalidRequest)
        #expect(overflow?.message.hasPrefix("prompt is too long") == true)
    }

    @Test("an HTTP error in OpenAI's shape maps like chat-completions errors")
    func httpError() throws {
        let call = try ResponsesHarness.call(#"{"model":"c","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}"#)
        let body: JSONValue = [
            "error": ["message": "Rate limit reached", "type": "requests", "param": .null, "code": "rate_limit_exceeded"]
        ]
        // The answer leaves it to the usual mapping, which the proxy applies.
        #expect(call.answer.error(status: 429, headers: [HTTPHeader("retry-after", "3")], body: body.serialized()) == nil)
        let error = UpstreamErrorMapping.error(
            status: 429, headers: [HTTPHeader("retry-after", "3")], body: body.serialized(), provider: "resp")
        #expect(error.type == .rateLimit && error.status == 429)
        #expect(error.headers.contains(HTTPHeader("retry-after", "3")))
        #expect(error.message == "upstream resp returned 429: Rate limit reached")
    }
}
