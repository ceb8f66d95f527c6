import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

/// Responses API event streams → Anthropic events (docs/responses-api.md §6.3), checked against the
/// stream grammar.
@Suite("Responses API streams")
struct ResponsesStreamTests {
    typealias E = ResponsesEvent

    @Test("a text answer: one text block, usage from response.completed", arguments: [nil, 1, 7] as [Int?])
    func text(chunk: Int?) {
        let run = ResponsesHarness.run(E.textAnswer, chunk: chunk)
        #expect(run.error == nil)
        #expect(StreamGrammar.violations(in: run.events).isEmpty)
        #expect(
            run.events == [
                .messageStart(id: StreamHarness.messageID, model: ResponsesHarness.clientModel, usage: TokenUsage(inputTokens: 42)), .ping,
                .contentBlockStart(index: 0, block: .text), .contentBlockDelta(index: 0, delta: .text("Hi")),
                .contentBlockDelta(index: 0, delta: .text(" there.")), .contentBlockStop(index: 0),
                .messageDelta(
                    stopReason: .endTurn, stopSequence: nil, usage: TokenUsage(inputTokens: 44, outputTokens: 5, cacheReadInputTokens: 768)),
                .messageStop,
            ])
        #expect(run.usage?.usage == TokenUsage(inputTokens: 44, outputTokens: 5, cacheReadInputTokens: 768))
    }

    @Test("reasoning then a tool call: thinking with the packed item as signature, the call's arguments in fragments")
    func reasoningAndToolCall() {
        let run = ResponsesHarness.run([
            E.created, E.reasoningAdded("rs_1", index: 0), E.summaryPartAdded("rs_1", index: 0, part: 0),
            E.summaryDelta("rs_1", index: 0, part: 0, "**Checking**"), E.summaryPartAdded("rs_1", index: 0, part: 1),
            E.summaryDelta("rs_1", index: 0, part: 1, "Read it first."),
            E.reasoningDone("rs_1", index: 0, summary: ["**Checking**", "Read it first."], encrypted: "gAAAA-enc"),
            E.callAdded("fc_1", index: 1, callID: "call_Ab12", name: "Read"),
            E.argumentsDelta("fc_1", index: 1, #"{"file_path":"#), E.argumentsDelta("fc_1", index: 1, #""/a.txt"}"#),
            E.argumentsDone("fc_1", index: 1, #"{"file_path":"/a.txt"}"#),
            E.callDone("fc_1", index: 1, callID: "call_Ab12", name: "Read", arguments: #"{"file_path":"/a.txt"}"#),
            E.completed(output: 180, reasoning: 128),
        ])
        #expect(run.error == nil)
        #expect(StreamGrammar.violations(in: run.events).isEmpty)
        #expect(run.thinking == "**Checking**\n\nRead it first.")
        #expect(run.signatures == [ResponsesHarness.signature("gAAAA-enc")])
        #expect(run.blockStarts == [.thinking, .toolUse(id: "call_Ab12", name: "Read")])
        #expect(run.toolInputs == [#"{"file_path":"/a.txt"}"#])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test("parallel calls whose fragments alternate are written one block after the other, no fragment lost")
    func interleavedCalls() {
        let run = ResponsesHarness.run([
            E.created, E.callAdded("fc_1", index: 0, callID: "call_1", name: "Read"),
            E.callAdded("fc_2", index: 1, callID: "call_2", name: "Bash"),
            E.argumentsDelta("fc_1", index: 0, #"{"path""#), E.argumentsDelta("fc_2", index: 1, #"{"command""#),
            E.argumentsDelta("fc_1", index: 0, #":"a"}"#), E.argumentsDelta("fc_2", index: 1, #":"ls"}"#),
            E.callDone("fc_2", index: 1, callID: "call_2", name: "Bash", arguments: #"{"command":"ls"}"#),
            E.callDone("fc_1", index: 0, callID: "call_1", name: "Read", arguments: #"{"path":"a"}"#),
            E.completed(),
        ])
        #expect(StreamGrammar.violations(in: run.events).isEmpty)
        #expect(run.blockStarts == [.toolUse(id: "call_1", name: "Read"), .toolUse(id: "call_2", name: "Bash")])
        #expect(run.toolInputs == [#"{"path":"a"}"#, #"{"command":"ls"}"#])
    }

    @Test("arguments given only by the .done events, and text only by the finished item, still arrive")
    func onlyDoneEvents() {
        let run = ResponsesHarness.run([
            E.created, E.callAdded("fc_1", index: 0, callID: "call_1", name: "Read"),
            E.callDone("fc_1", index: 0, callID: "call_1", name: "Read", arguments: #"{"path":"a"}"#),
            E.messageAdded("msg_1", index: 1), E.messageDone("msg_1", index: 1, text: "whole"),
            E.reasoningAdded("rs_1", index: 2), E.reasoningDone("rs_1", index: 2, summary: [], encrypted: "gAAAA-2"),
            E.completed(),
        ])
        #expect(StreamGrammar.violations(in: run.events).isEmpty)
        #expect(run.toolInputs == [#"{"path":"a"}"#])
        #expect(run.text == "whole")
        #expect(run.blockStarts.last == .thinking, "encrypted reasoning without a summary still makes a block to carry it")
        #expect(run.signatures == [ResponsesHarness.signature("gAAAA-2")])
    }

    @Test("incomplete for the output limit is max_tokens; a content filter is refusal with a notice")
    func incomplete() {
        let cut = ResponsesHarness.run(Array(E.textAnswer.dropLast()) + [E.incomplete(reason: "max_output_tokens")])
        #expect(StreamGrammar.violations(in: cut.events).isEmpty)
        #expect(cut.messageDelta?.stopReason == .maxTokens)
        let filtered = ResponsesHarness.run([E.created, E.incomplete(reason: "content_filter")])
        #expect(StreamGrammar.violations(in: filtered.events).isEmpty)
        #expect(filtered.messageDelta?.stopReason == .refusal)
        #expect(filtered.text == StopReason.contentFilterNotice)
    }

    @Test(
        "response.failed, an error event (flat or nested) and a cut stream fail the stream after what was written",
        arguments: [
            (
                #"{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"boom"}}}"#,
                AnthropicErrorType.api
            ),
            (#"{"type":"error","code":"rate_limit_exceeded","message":"slow","param":null}"#, .rateLimit),
            (
                #"{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"Your input exceeds the context window of this model."}}"#,
                .invalidRequest
            ),
            ("", .api),
        ]
    )
    func failures(last: String, type: AnthropicErrorType) {
        let head = [E.created, E.messageAdded("msg_1", index: 0), E.textDelta("msg_1", index: 0, "Hi")]
        let run = ResponsesHarness.run(head + (last.isEmpty ? [] : [last]))
        #expect(run.error?.type == type)
        #expect(StreamGrammar.violations(in: run.events, complete: false).isEmpty)
        #expect(run.text == "Hi")
        if type == .invalidRequest { #expect(run.error?.message.hasPrefix("prompt is too long") == true) }
    }

    @Test("a stream cut after a complete tool call ends as tool_use; anything after response.completed is ignored")
    func cutAfterToolCall() {
        let run = ResponsesHarness.run([
            E.created, E.callAdded("fc_1", index: 0, callID: "call_1", name: "Read"),
            E.callDone("fc_1", index: 0, callID: "call_1", name: "Read", arguments: "{}"),
        ])
        #expect(run.error == nil)
        #expect(StreamGrammar.violations(in: run.events).isEmpty)
        #expect(run.messageDelta?.stopReason == .toolUse)
        let trailing = ResponsesHarness.run(ResponsesHarness.sse(E.textAnswer) + Array("data: [DONE]\n\n".utf8))
        #expect(trailing.error == nil)
        #expect(StreamGrammar.violations(in: trailing.events).isEmpty)
    }
}
