import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

@Suite("Stream translation (docs/translation.md §5)")
struct StreamTranslatorTests {
    typealias C = UpstreamChunk

    /// Runs payloads and checks the grammar of the result.
    private func validRun(_ payloads: [String], done: Bool = true, toolNames: ToolNameMapping = .identity) -> AnswerStreamRun {
        let run = StreamHarness.run(payloads, done: done, toolNames: toolNames)
        #expect(run.error == nil)
        #expect(StreamGrammar.violations(in: run.events) == [])
        return run
    }

    @Test("the worked example of §5.8 produces exactly the documented events")
    func workedExample() {
        let run = validRun([
            C.role(),
            C.reasoningContent("Need the file."),
            C.text("Reading."),
            C.toolCall(index: 0, id: "call_9", name: "Read", arguments: ""),
            C.toolCall(index: 0, arguments: #"{"path":"#),
            C.toolCall(index: 0, arguments: #""a.txt"}"#),
            C.finish("tool_calls"),
            C.usage(prompt: 1200, completion: 40, cached: 1000),
        ])
        let expected: [StreamEvent] = [
            .messageStart(id: StreamHarness.messageID, model: StreamHarness.clientModel, usage: TokenUsage(inputTokens: 42)),
            .ping,
            .contentBlockStart(index: 0, block: .thinking),
            .contentBlockDelta(index: 0, delta: .thinking("Need the file.")),
            .contentBlockDelta(index: 0, delta: .signature(ThinkingSignature.proxySignature)),
            .contentBlockStop(index: 0),
            .contentBlockStart(index: 1, block: .text),
            .contentBlockDelta(index: 1, delta: .text("Reading.")),
            .contentBlockStop(index: 1),
            .contentBlockStart(index: 2, block: .toolUse(id: "call_9", name: "Read")),
            .contentBlockDelta(index: 2, delta: .inputJSON(#"{"path":"#)),
            .contentBlockDelta(index: 2, delta: .inputJSON(#""a.txt"}"#)),
            .contentBlockStop(index: 2),
            .messageDelta(
                stopReason: .toolUse, stopSequence: nil,
                usage: TokenUsage(inputTokens: 200, outputTokens: 40, cacheCreationInputTokens: 0, cacheReadInputTokens: 1000)
            ),
            .messageStop,
        ]
        #expect(run.events == expected)
    }

    // MARK: - Chunk shapes (§10 item 24)

    @Test("Azure's first chunk with empty choices and prompt_filter_results is skipped")
    func azureEmptyChoices() {
        let run = validRun([
            #"{"id":"","choices":[],"created":0,"model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}"#,
            C.text("Hello"),
            C.finish("stop"),
        ])
        #expect(run.text == "Hello")
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test(
        "a usage chunk with choices null or without choices is read (vLLM)",
        arguments: ["null", "[]"]
    )
    func vllmUsageChunk(choices: String) {
        let run = validRun([C.text("Hi"), C.finish("stop"), C.usage(prompt: 30, completion: 5, choices: choices)])
        #expect(run.messageDelta?.usage == TokenUsage(inputTokens: 30, outputTokens: 5))
    }

    @Test("a usage chunk without a choices key is read")
    func usageChunkWithoutChoices() {
        let run = validRun([C.text("Hi"), C.finish("stop"), #"{"usage":{"prompt_tokens":30,"completion_tokens":5}}"#])
        #expect(run.messageDelta?.usage == TokenUsage(inputTokens: 30, outputTokens: 5))
    }

    @Test("usage arriving after finish_reason reaches message_delta with cached tokens subtracted (§10 item 25)")
    func usageAfterFinish() {
        let run = validRun([C.text("Hi"), C.finish("stop"), C.usage(prompt: 1200, completion: 40, cached: 1000)])
        #expect(run.messageDelta?.usage == TokenUsage(inputTokens: 200, outputTokens: 40, cacheReadInputTokens: 1000))
    }

    @Test("message_delta carries at least 1 input token when the upstream reports none")
    func messageDeltaInputAtLeastOne() {
        let run = validRun([C.text("Hi"), C.finish("stop"), C.usage(prompt: 1000, completion: 3, cached: 1000)])
        #expect(run.messageDelta?.usage.inputTokens == 1)
    }

    @Test("OpenRouter comment lines between chunks are ignored")
    func commentLines() {
        let bytes = Array(
            (": OPENROUTER PROCESSING\n\n"
                + "data: \(C.text("Hi"))\n\n: OPENROUTER PROCESSING\n\ndata: \(C.finish("stop"))\n\ndata: [DONE]\n\n").utf8)
        let run = StreamHarness.run(bytes)
        #expect(StreamGrammar.violations(in: run.events) == [])
        #expect(run.text == "Hi")
    }

    @Test("empty and null content deltas open no block")
    func emptyContent() {
        let run = validRun([C.role(), C.delta(#"{"content":null}"#), C.text("Hi"), C.finish("stop")])
        #expect(run.blockStarts == [.text])
    }

    // MARK: - Tool calls (§10 item 26)

    @Test("a tool call without index continues by id and by recency")
    func toolCallWithoutIndex() {
        let run = validRun([
            C.toolCall(index: nil, id: "call_1", name: "Read", arguments: #"{"pa"#),
            C.toolCall(index: nil, arguments: #"th":"a"}"#),
            C.finish("tool_calls"),
        ])
        #expect(run.blockStarts == [.toolUse(id: "call_1", name: "Read")])
        #expect(run.toolInputs == [#"{"path":"a"}"#])
    }

    @Test("two tool calls without index but with distinct ids are two blocks")
    func toolCallsWithoutIndexDistinctIDs() {
        let run = validRun([
            C.toolCall(index: nil, id: "call_1", name: "Read", arguments: #"{"path":"a"}"#),
            C.toolCall(index: nil, id: "call_2", name: "Read", arguments: #"{"path":"b"}"#),
            C.finish("tool_calls"),
        ])
        #expect(run.blockStarts == [.toolUse(id: "call_1", name: "Read"), .toolUse(id: "call_2", name: "Read")])
        #expect(run.toolInputs == [#"{"path":"a"}"#, #"{"path":"b"}"#])
    }

    @Test("two whole tool calls without index or id are two blocks (older Ollama)")
    func toolCallsWithoutIndexOrID() {
        let run = validRun([
            C.toolCall(index: nil, name: "Read", arguments: #"{"path":"a"}"#),
            C.toolCall(index: nil, name: "Glob", arguments: #"{"pattern":"*"}"#),
            C.finish("stop"),
        ])
        #expect(run.blockStarts.count == 2)
        #expect(run.toolInputs == [#"{"path":"a"}"#, #"{"pattern":"*"}"#])
    }

    @Test("parallel calls at the same index with distinct ids are separate blocks (Gemini)")
    func parallelCallsSameIndex() {
        let run = validRun([
            C.toolCall(index: 0, id: "call_a", name: "Read", arguments: #"{"path":"a"}"#),
            C.toolCall(index: 0, id: "call_b", name: "Read", arguments: #"{"path":"b"}"#),
            C.finish("stop"),
        ])
        #expect(run.blockStarts == [.toolUse(id: "call_a", name: "Read"), .toolUse(id: "call_b", name: "Read")])
        #expect(run.toolInputs == [#"{"path":"a"}"#, #"{"path":"b"}"#])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test("OpenAI parallel calls at indexes 0 and 1 are separate blocks with unique indexes")
    func parallelCallsDistinctIndexes() {
        let run = validRun([
            C.text("Let me look."),
            C.toolCall(index: 0, id: "call_a", name: "Read", arguments: ""),
            C.toolCall(index: 0, arguments: #"{"path":"a"}"#),
            C.toolCall(index: 1, id: "call_b", name: "Read", arguments: ""),
            C.toolCall(index: 1, arguments: #"{"path":"b"}"#),
            C.finish("tool_calls"),
        ])
        #expect(run.blockStarts == [.text, .toolUse(id: "call_a", name: "Read"), .toolUse(id: "call_b", name: "Read")])
        #expect(run.toolInputs == [#"{"path":"a"}"#, #"{"path":"b"}"#])
    }

    @Test("whole arguments in one chunk with the finish (Ollama)")
    func wholeArgumentsInOneChunk() {
        let run = validRun([C.toolCall(index: 0, id: "call_1", name: "Bash", arguments: #"{"command":"ls"}"#, finish: "tool_calls")])
        #expect(run.toolInputs == [#"{"command":"ls"}"#])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test("arguments sent as an object instead of a string are forwarded as JSON text")
    func objectArguments() {
        let run = validRun([
            C.delta(
                #"{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Bash","arguments":{"command":"ls"}}}]}"#),
            C.finish("tool_calls"),
        ])
        #expect(run.toolInputs == [#"{"command":"ls"}"#])
    }

    @Test("cumulative argument streams (each chunk repeats the buffer) forward only the new suffix")
    func cumulativeArguments() {
        let run = validRun([
            C.toolCall(index: 0, id: "call_1", name: "Read", arguments: #"{"path":"#),
            C.toolCall(index: 0, arguments: #"{"path":"a.tx"#),
            C.toolCall(index: 0, arguments: #"{"path":"a.txt"}"#),
            C.finish("tool_calls"),
        ])
        #expect(run.toolInputs == [#"{"path":"a.txt"}"#])
    }

    @Test("a tool call with no arguments sends {} as its input")
    func emptyArguments() {
        let run = validRun([C.toolCall(index: 0, id: "call_1", name: "ListAgents", arguments: ""), C.finish("tool_calls")])
        #expect(run.toolInputs == ["{}"])
    }

    @Test("an id that arrives before the name starts the block once the name is known")
    func idBeforeName() {
        let run = validRun([
            C.toolCall(index: 0, id: "call_1", arguments: ""),
            C.toolCall(index: 0, name: "Read", arguments: #"{"path":"a"}"#),
            C.finish("tool_calls"),
        ])
        #expect(run.blockStarts == [.toolUse(id: "call_1", name: "Read")])
        #expect(run.toolInputs == [#"{"path":"a"}"#])
    }

    @Test("an unsafe upstream tool id is normalised to [A-Za-z0-9_-]")
    func unsafeToolID() {
        let run = validRun([C.toolCall(index: 0, id: "functions.Bash:0", name: "Bash", arguments: "{}"), C.finish("tool_calls")])
        #expect(run.blockStarts == [.toolUse(id: "functions_Bash_0", name: "Bash")])
    }

    @Test("a missing tool id is synthesised as toolu_…")
    func missingToolID() {
        let run = validRun([C.toolCall(index: 0, name: "Bash", arguments: "{}"), C.finish("tool_calls")])
        guard case .toolUse(let id, _)? = run.blockStarts.first else {
            Issue.record("no tool block")
            return
        }
        #expect(id.hasPrefix("toolu_") && id.count > 6)
    }

    @Test("a shortened tool name is restored to the client's name in content_block_start")
    func toolNameRestored() {
        let longName = "mcp__" + String(repeating: "very_long_server_name_", count: 4) + "do_something"
        let mapping = ToolNameMapping(clientNames: [longName])
        let upstream = mapping.upstreamName(for: longName)
        let run = validRun(
            [C.toolCall(index: 0, id: "call_1", name: upstream, arguments: "{}"), C.finish("tool_calls")], toolNames: mapping)
        #expect(run.blockStarts == [.toolUse(id: "call_1", name: longName)])
    }

    @Test("content and finish_reason in one chunk: the content is kept, then the finish")
    func contentAndFinishTogether() {
        let run = validRun([C.text("Hi", finish: "stop")])
        #expect(run.text == "Hi")
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test("text after a tool call opens a new block, indexes never reused")
    func textAfterTool() {
        let run = validRun([
            C.toolCall(index: 0, id: "call_1", name: "Read", arguments: #"{"path":"a"}"#),
            C.text("done"),
            C.finish("tool_calls"),
        ])
        #expect(run.blockStarts == [.toolUse(id: "call_1", name: "Read"), .text])
    }

    // MARK: - Stop reasons (§10 item 27)

    @Test(
        "finish_reason maps to stop_reason, tool calls considered",
        arguments: [
            ("stop", false, StopReason.endTurn),
            ("stop", true, .toolUse),
            ("tool_calls", true, .toolUse),
            ("tool_calls", false, .endTurn),
            ("function_call", true, .toolUse),
            ("length", false, .maxTokens),
            ("content_filter", false, .refusal),
            ("something_new", false, .endTurn),
        ]
    )
    func finishReasons(finish: String, withTool: Bool, expected: StopReason) {
        let body = withTool ? C.toolCall(index: 0, id: "call_1", name: "Read", arguments: "{}") : C.text("x")
        let run = validRun([body, C.finish(finish)])
        #expect(run.messageDelta?.stopReason == expected)
    }

    @Test("[DONE] without any finish_reason ends the turn normally")
    func doneWithoutFinish() {
        let run = validRun([C.text("Hi")])
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test("EOF after a finish_reason but without [DONE] is a normal end")
    func finishWithoutDone() {
        let run = validRun([C.text("Hi"), C.finish("stop")], done: false)
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    // MARK: - Reasoning (§10 item 28)

    @Test(
        "reasoning via reasoning_content or reasoning becomes a thinking block before the text",
        arguments: ["reasoning_content", "reasoning"]
    )
    func reasoningFields(field: String) {
        let run = validRun([
            C.delta(#"{""# + field + #"":"Think "}"#),
            C.delta(#"{""# + field + #"":"hard."}"#),
            C.text("Answer"),
            C.finish("stop"),
        ])
        #expect(run.blockStarts == [.thinking, .text])
        #expect(run.thinking == "Think hard.")
        let signatures = run.events.filter {
            if case .contentBlockDelta(0, .signature(let s)) = $0 { return !s.isEmpty } else { return false }
        }
        #expect(signatures.count == 1)
    }

    @Test("reasoning_details text becomes thinking (OpenRouter)")
    func reasoningDetails() {
        let run = validRun([
            C.delta(#"{"reasoning_details":[{"type":"reasoning.text","text":"Plan."}]}"#),
            C.text("Go"),
            C.finish("stop"),
        ])
        #expect(run.thinking == "Plan.")
        #expect(run.blockStarts == [.thinking, .text])
    }

    @Test("a thinking block closed by the finish still ends with a signature_delta")
    func thinkingOnlyStream() {
        let run = validRun([C.reasoningContent("hmm"), C.finish("stop")])
        #expect(run.blockStarts == [.thinking])
    }

    // MARK: - Failures (§10 item 29)

    @Test("EOF without finish_reason and without [DONE] throws an error")
    func truncatedStream() {
        let run = StreamHarness.run([C.text("Hel")], done: false)
        #expect(run.error != nil)
        #expect(StreamGrammar.violations(in: run.events, complete: false) == [])
        #expect(!run.events.contains(.messageStop))
    }

    @Test("EOF with nothing but message_start throws an error")
    func emptyTruncatedStream() {
        let run = StreamHarness.run([], done: false)
        #expect(run.error != nil)
    }

    @Test(
        "EOF without [DONE] after a completed tool block finishes as tool_use",
        arguments: [
            [
                C.toolCall(index: 0, id: "call_1", name: "Read", arguments: #"{"path":"a"}"#),
                C.text("Reading it now"),
            ],
            [
                C.toolCall(index: 0, id: "call_1", name: "Read", arguments: #"{"path":"a"}"#),
                C.toolCall(index: 1, id: "call_2", name: "Read", arguments: #"{"path":"b"}"#),
            ],
        ]
    )
    func truncatedAfterToolBlock(payloads: [String]) {
        let run = StreamHarness.run(payloads, done: false)
        #expect(run.error == nil)
        #expect(StreamGrammar.violations(in: run.events) == [])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test(
        "an in-band error chunk throws with the mapped error type",
        arguments: [
            (#"{"error":{"code":502,"message":"provider returned error"}}"#, "api_error"),
            (#"{"error":{"code":429,"message":"rate limited"}}"#, "rate_limit_error"),
            (#"{"error":{"message":"boom"}}"#, "api_error"),
        ]
    )
    func inBandError(chunk: String, type: String) {
        let run = StreamHarness.run([C.text("partial"), chunk])
        #expect(run.error?.type.rawValue == type)
        #expect(StreamGrammar.violations(in: run.events, complete: false) == [])
    }

    @Test("an in-band error keeps the upstream message")
    func inBandErrorMessage() {
        let run = StreamHarness.run([#"{"error":{"code":502,"message":"provider returned error"}}"#])
        #expect(run.error?.message.contains("provider returned error") == true)
    }

    @Test("finish_reason error throws (OpenRouter)")
    func finishReasonError() {
        let run = StreamHarness.run([C.text("partial"), C.finish("error")])
        #expect(run.error != nil)
    }

    @Test("non-JSON data lines are skipped")
    func nonJSONLine() {
        let run = validRun([C.text("a"), "not json", C.text("b"), C.finish("stop")])
        #expect(run.text == "ab")
    }
}
