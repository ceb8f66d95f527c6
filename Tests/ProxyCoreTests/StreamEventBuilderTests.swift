import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

@Suite("StreamEventBuilder: the grammar every adapter's stream is written in")
struct StreamEventBuilderTests {
    @Test("pieces in any order give a valid stream: blocks open one at a time with increasing indexes")
    func interleaved() {
        var builder = StreamEventBuilder(messageID: "msg_1", clientModel: "claude-sonnet-4-5", estimatedInputTokens: 40)
        var events: [StreamEvent] = []
        builder.start(into: &events)
        builder.appendThinking("plan", into: &events)
        builder.appendText("Hello", into: &events)
        builder.appendText(" there", into: &events)
        let tool = builder.startToolUse(id: "toolu_1", name: "Bash", into: &events)
        #expect(builder.appendToolInput(#"{"command":"#, into: &events))
        #expect(builder.appendToolInput(#""ls"}"#, into: &events))
        builder.appendThinking("more", into: &events)
        #expect(!builder.appendToolInput("{}", into: &events), "input after the tool block closed is refused")
        let usage = builder.finish(stopReason: .toolUse, stopSequence: nil, usage: TokenUsage(outputTokens: 9), into: &events)
        #expect(StreamGrammar.violations(in: events) == [])
        #expect(tool == 2)
        #expect(usage.inputTokens == 1, "0 input tokens would not replace message_start's estimate")
        #expect(events.first == .messageStart(id: "msg_1", model: "claude-sonnet-4-5", usage: TokenUsage(inputTokens: 40)))
        #expect(builder.startedToolUse)
        #expect(builder.estimatedOutputTokens > 0)
    }

    @Test("a thinking block ends with the given signature; a tool block without input gets {}")
    func closing() {
        var builder = StreamEventBuilder(messageID: "msg_2", clientModel: "m", estimatedInputTokens: 1)
        var events: [StreamEvent] = []
        builder.appendThinking("why", into: &events)
        builder.closeBlock(thinkingSignature: "enc.abc", into: &events)
        builder.startToolUse(id: "toolu_2", name: "Read", into: &events)
        builder.closeBlock(into: &events)
        #expect(
            events == [
                .contentBlockStart(index: 0, block: .thinking), .contentBlockDelta(index: 0, delta: .thinking("why")),
                .contentBlockDelta(index: 0, delta: .signature("enc.abc")), .contentBlockStop(index: 0),
                .contentBlockStart(index: 1, block: .toolUse(id: "toolu_2", name: "Read")),
                .contentBlockDelta(index: 1, delta: .inputJSON("{}")), .contentBlockStop(index: 1),
            ])
        #expect(builder.openBlock == nil)
    }
}
