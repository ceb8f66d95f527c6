import ClaudeCodeProxyKit
import CohereAdapter
import Testing

@Suite(.timeLimit(.minutes(1)))
struct AnswerTests {
    private func message(_ body: String, request: MessagesRequest = Fixtures.simpleRequest()) throws -> (AnthropicMessage, ResolvedUsage) {
        try Fixtures.call(request).answer.message(from: Array(body.utf8))
    }

    @Test func textAnswer() throws {
        let (message, usage) = try message(Fixtures.textAnswer)
        #expect(message.id == "msg_e7592632-1e3d-424f-b129-bd5f9f980f7b")
        #expect(message.model == "claude-haiku-4-5")
        #expect(message.content == [.text("The capital of France is Paris.")])
        #expect(message.stopReason == .endTurn)
        #expect(message.stopSequence == nil)
        // `tokens`, not `billed_units`; the cached part reported as cache reads.
        let expected = TokenUsage(inputTokens: 59, outputTokens: 10, cacheReadInputTokens: 448)
        #expect(message.usage == expected)
        #expect(usage == ResolvedUsage(usage: expected, estimated: false))
    }

    @Test func toolCallAnswer() throws {
        let (message, usage) = try message(Fixtures.toolCallAnswer)
        #expect(
            message.content == [
                .text("I will use the weather tool to find out the weather in San Francisco."),
                .toolUse(id: "weather_dqgshstja6p9", name: "weather", input: ["location": "San Francisco"]),
            ])
        #expect(message.stopReason == .toolUse)
        #expect(usage.usage == TokenUsage(inputTokens: 557, outputTokens: 103, cacheReadInputTokens: 992))
    }

    @Test func reasoningAnswerKeepsThinkingSigned() throws {
        let body = #"""
            {"id":"r","finish_reason":"COMPLETE","message":{"role":"assistant","content":[
              {"type":"thinking","thinking":"Two plus two is four."},{"type":"text","text":"4"}]},
             "usage":{"billed_units":{"input_tokens":8,"output_tokens":3}}}
            """#
        let (message, usage) = try message(body)
        guard case .thinking(let text, let signature) = message.content.first else {
            Issue.record("no thinking block first: \(message.content)")
            return
        }
        #expect(text == "Two plus two is four.")
        #expect(!signature.isEmpty)
        #expect(message.content.last == .text("4"))
        // Without `tokens`, the billed units.
        #expect(usage.usage == TokenUsage(inputTokens: 8, outputTokens: 3))
    }

    @Test(arguments: [
        ("COMPLETE", StopReason.endTurn),
        ("MAX_TOKENS", .maxTokens),
        ("STOP_SEQUENCE", .stopSequence),
        ("TOOL_CALL", .endTurn),  // no call in the answer: nothing for the client to run
        ("SOMETHING_NEW", .endTurn),
    ])
    func stopReasons(finishReason: String, expected: StopReason) throws {
        let body = #"{"id":"x","finish_reason":"\#(finishReason)","message":{"role":"assistant","content":[{"type":"text","text":"Hi"}]}}"#
        var request = Fixtures.simpleRequest()
        request.stopSequences = ["END"]
        let (message, _) = try message(body, request: request)
        #expect(message.stopReason == expected)
        #expect(message.stopSequence == (expected == .stopSequence ? "END" : nil))
    }

    @Test func missingUsageIsEstimated() throws {
        let body =
            #"{"id":"x","finish_reason":"COMPLETE","#
            + #""message":{"role":"assistant","content":[{"type":"text","text":"Hello there, friend"}]}}"#
        let (message, usage) = try message(body)
        #expect(usage.estimated)
        #expect(usage.usage.inputTokens == Fixtures.context.estimatedInputTokens)
        #expect(usage.usage.outputTokens == message.estimatedOutputTokens)
        #expect(usage.usage.outputTokens > 0)
    }

    @Test(
        arguments: [
            (#"{\"a\":1}"#, ["a": 1]),
            ("null", [:]),
            ("", [:]),
            ("[1]", ["input": [1]]),
            ("{oops", ["_raw_arguments": "{oops"]),
        ] as [(String, JSONValue)])
    func toolArguments(arguments: String, expected: JSONValue) throws {
        let body = #"""
            {"id":"x","finish_reason":"TOOL_CALL","message":{"role":"assistant",
             "tool_calls":[{"id":"t 1","type":"function","function":{"name":"f","arguments":"\#(arguments)"}}]}}
            """#
        let (message, _) = try message(body)
        #expect(message.content == [.toolUse(id: "t_1", name: "f", input: expected)])
    }

    @Test func notJSONIsA502() {
        #expect(throws: AnthropicError(.api, "provider 'cohere' sent an answer that is not JSON", status: 502)) {
            _ = try message("<html>Bad gateway</html>")
        }
    }

    @Test func failedGenerationIsAnError() {
        #expect {
            _ = try message(#"{"id":"x","finish_reason":"ERROR","message":{"role":"assistant","content":[]}}"#)
        } throws: { error in
            (error as? AnthropicError)?.status == 502
        }
    }

    /// Cohere's `{"message": …}` error bodies are among those the usual mapping reads: the answer leaves
    /// them to it (`error` is nil), and the proxy applies it.
    @Test func rateLimitKeepsRetryAfter() throws {
        let answer = try Fixtures.call(Fixtures.simpleRequest()).answer
        let body = #"{"message":"You are past the per minute request limit, please wait and try again later."}"#
        #expect(answer.error(status: 429, headers: [], body: Array(body.utf8)) == nil)
        let error = UpstreamErrorMapping.error(
            status: 429, headers: [HTTPHeader("retry-after", "7")], body: Array(body.utf8), provider: "cohere")
        #expect(error.type == .rateLimit)
        #expect(error.status == 429)
        #expect(
            error.message == "upstream cohere returned 429: You are past the per minute request limit, please wait and try again later.")
        #expect(error.headers.contains { $0.name == "retry-after" && $0.value == "7" })
    }

    @Test func badKeyIsAnAuthenticationError() throws {
        let error = UpstreamErrorMapping.error(
            status: 401, headers: [], body: Array(#"{"message":"invalid api token"}"#.utf8), provider: "cohere")
        #expect(error.type == .authentication)
        #expect(error.status == 401)
        #expect(error.message == "upstream cohere returned 401: invalid api token")
        #expect(error.responseHeaders.contains { $0.name == "x-should-retry" && $0.value == "false" })
    }
}
