import ClaudeCodeProxyKit
import ClaudeCodeProxyTestKit
import CohereAdapter
import Testing

@Suite(.timeLimit(.minutes(1)))
struct StreamTests {
    private let answer = try! Fixtures.call(Fixtures.simpleRequest(stream: true)).answer

    private func run(_ bytes: [UInt8]) -> AnswerStreamRun {
        AnswerStreamRun(answer, bytes: bytes)
    }

    /// The stream fed in two parts at every position gives what it gives whole.
    private func expectSplitInvariant(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(AnswerStreamRun.splitsThatChangeTheAnswer(answer, bytes: bytes) == [], sourceLocation: sourceLocation)
    }

    @Test func textStream() throws {
        let outcome = run(Fixtures.textStream)
        #expect(outcome.error == nil)
        #expect(
            outcome.events == [
                .messageStart(id: "msg_test", model: "claude-haiku-4-5", usage: TokenUsage(inputTokens: 321)),
                .ping,
                .contentBlockStart(index: 0, block: .text),
                .contentBlockDelta(index: 0, delta: .text("Hola")),
                .contentBlockDelta(index: 0, delta: .text(" Juan")),
                .contentBlockStop(index: 0),
                .messageDelta(stopReason: .endTurn, stopSequence: nil, usage: TokenUsage(inputTokens: 70, outputTokens: 2)),
                .messageStop,
            ])
        #expect(outcome.usage == ResolvedUsage(usage: TokenUsage(inputTokens: 70, outputTokens: 2), estimated: false))
        #expect(StreamGrammar.violations(in: outcome.events) == [])
        expectSplitInvariant(Fixtures.textStream)
    }

    @Test func toolCallStream() throws {
        let outcome = run(Fixtures.toolCallStream)
        #expect(outcome.error == nil)
        #expect(StreamGrammar.violations(in: outcome.events) == [])
        let blocks = outcome.events.compactMap { event -> StreamEvent.BlockStart? in
            if case .contentBlockStart(_, let block) = event { block } else { nil }
        }
        #expect(blocks == [.text, .toolUse(id: "get_weather_3v76fs3zjrgq", name: "get_weather")])
        #expect(outcome.text == "I will check the weather.")
        #expect(try JSONParser.parse(outcome.toolInputs.joined()) == ["location": "Madrid"])
        #expect(outcome.messageDelta?.stopReason == .toolUse)
        #expect(outcome.messageDelta?.usage == TokenUsage(inputTokens: 617, outputTokens: 61, cacheReadInputTokens: 176))
        expectSplitInvariant(Fixtures.toolCallStream)
    }

    @Test func reasoningStream() {
        let outcome = run(Fixtures.reasoningStream)
        #expect(StreamGrammar.violations(in: outcome.events) == [])
        #expect(outcome.events.contains(.contentBlockStart(index: 0, block: .thinking)))
        #expect(outcome.events.contains(.contentBlockDelta(index: 0, delta: .thinking("Two plus two."))))
        #expect(outcome.events.contains(.contentBlockStart(index: 1, block: .text)))
        #expect(outcome.text == "4")
        expectSplitInvariant(Fixtures.reasoningStream)
    }

    @Test func crlfFramingAndNoDoneMarker() {
        let text = String(decoding: Fixtures.sse(Fixtures.textStreamPayloads, done: false), as: UTF8.self)
        let crlf = Array(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)
        #expect(run(crlf).events == run(Fixtures.textStream).events)
    }

    @Test func grammarHoldsWhateverOrderArrives() {
        // Text after a tool call, arguments for a closed call, a tool call without a start, a second
        // message-start, unknown events, parallel calls without tool-call-end.
        let bytes = Fixtures.sse([
            #"{"type":"message-start","id":"a"}"#,
            #"{"type":"tool-call-delta","index":3,"delta":{"message":{"tool_calls":{"function":{"arguments":"{}"}}}}}"#,
            #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"hm"}}}}"#,
            #"{"type":"tool-call-start","index":0,"#
                + #""delta":{"message":{"tool_calls":{"id":"c1","function":{"name":"a","arguments":"{\"x\":"}}}}}"#,
            #"{"type":"tool-call-start","index":1,"delta":{"message":{"tool_calls":{"id":"c2","function":{"name":"b"}}}}}"#,
            #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"1}"}}}}}"#,
            #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"late text"}}}}"#,
            #"{"type":"citation-start","index":0,"delta":{"message":{"citations":{"start":0,"end":4,"text":"late"}}}}"#,
            #"{"type":"message-start","id":"b"}"#,
            #"{"type":"debug","prompt":"..."}"#,
            #"{"type":"something-new"}"#,
            #"{"type":"content-end","index":5}"#,
            #"{"type":"message-end","delta":{"finish_reason":"TOOL_CALL"}}"#,
        ])
        let outcome = run(bytes)
        #expect(outcome.error == nil)
        #expect(StreamGrammar.violations(in: outcome.events) == [], "\(outcome.events)")
        // The open call keeps its block until it ends; what arrived meanwhile follows it.
        let content = outcome.events.filter { event in
            switch event {
            case .contentBlockStart, .contentBlockDelta, .contentBlockStop: true
            default: false
            }
        }
        #expect(
            content == [
                .contentBlockStart(index: 0, block: .thinking),
                .contentBlockDelta(index: 0, delta: .thinking("hm")),
                .contentBlockDelta(index: 0, delta: .signature(ThinkingSignature.proxySignature)),
                .contentBlockStop(index: 0),
                .contentBlockStart(index: 1, block: .toolUse(id: "c1", name: "a")),
                .contentBlockDelta(index: 1, delta: .inputJSON(#"{"x":"#)),
                .contentBlockDelta(index: 1, delta: .inputJSON("1}")),
                .contentBlockStop(index: 1),
                .contentBlockStart(index: 2, block: .toolUse(id: "c2", name: "b")),
                .contentBlockDelta(index: 2, delta: .inputJSON("{}")),
                .contentBlockStop(index: 2),
                .contentBlockStart(index: 3, block: .text),
                .contentBlockDelta(index: 3, delta: .text("late text")),
                .contentBlockStop(index: 3),
            ])
        #expect(outcome.messageDelta?.stopReason == .toolUse)
        // No usage reported: estimated.
        #expect(outcome.usage?.estimated == true)
        #expect(outcome.messageDelta?.usage.inputTokens == 321)
    }

    @Test func argumentsThatAreNotAnObjectGoOutWholeAsOne() {
        let bytes = Fixtures.sse([
            #"{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"t","function":{"name":"f","arguments":""}}}}}"#,
            #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"nu"}}}}}"#,
            #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"ll"}}}}}"#,
            #"{"type":"tool-call-end"}"#,
            #"{"type":"tool-plan-delta","delta":{}}"#,
            #"{"type":"message-end","delta":{"finish_reason":"TOOL_CALL"}}"#,
        ])
        let outcome = run(bytes)
        #expect(StreamGrammar.violations(in: outcome.events) == [], "\(outcome.events)")
        #expect(outcome.toolInputs == ["{}"])
        #expect(outcome.events.filter { if case .contentBlockDelta = $0 { true } else { false } }.count == 1)
    }

    @Test func cutStreamThrows() {
        let payloads = Fixtures.textStreamPayloads.dropLast()
        let outcome = run(Fixtures.sse(Array(payloads), done: false))
        #expect(outcome.error?.type == .api)
        #expect(outcome.error?.message.contains("ended before") == true)
        #expect(outcome.events.contains(.contentBlockDelta(index: 0, delta: .text(" Juan"))))
        // Even [DONE] does not make a stream without message-end whole.
        #expect(run(Fixtures.sse(Array(payloads), done: true)).error != nil)
    }

    @Test func errorFinishThrows() {
        let bytes = Fixtures.sse([
            Fixtures.textStreamPayloads[0], Fixtures.textStreamPayloads[2],
            #"{"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal failure"}}"#,
        ])
        let outcome = run(bytes)
        #expect(outcome.error?.type == .api)
        #expect(outcome.error?.message.contains("internal failure") == true)
    }

    @Test func inBandErrorObjectThrows() {
        let outcome = run(Fixtures.sse([Fixtures.textStreamPayloads[0], #"{"message":"too many tokens"}"#]))
        #expect(outcome.error?.message.contains("too many tokens") == true)
    }

    @Test func eventsAfterMessageEndAreIgnored() {
        let bytes = Fixtures.sse(
            Fixtures.textStreamPayloads + [#"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"extra"}}}}"#])
        #expect(run(bytes).events == run(Fixtures.textStream).events)
    }
}
