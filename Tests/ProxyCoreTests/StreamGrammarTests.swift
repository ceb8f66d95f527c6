import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

/// The validator itself: each invariant it claims to check must reject a stream that breaks it.
@Suite("Stream grammar validator")
struct StreamGrammarTests {
    private static let start = StreamEvent.messageStart(id: "msg_1", model: "m", usage: TokenUsage(inputTokens: 5))
    private static let end: [StreamEvent] = [
        .messageDelta(stopReason: .endTurn, stopSequence: nil, usage: TokenUsage(inputTokens: 5)), .messageStop,
    ]
    private static let toolEnd: [StreamEvent] = [
        .messageDelta(stopReason: .toolUse, stopSequence: nil, usage: TokenUsage(inputTokens: 5)), .messageStop,
    ]

    private static func text(_ index: Int) -> [StreamEvent] {
        [
            .contentBlockStart(index: index, block: .text), .contentBlockDelta(index: index, delta: .text("x")),
            .contentBlockStop(index: index),
        ]
    }

    private static func tool(_ index: Int, _ json: String) -> [StreamEvent] {
        [
            .contentBlockStart(index: index, block: .toolUse(id: "t\(index)", name: "Read")),
            .contentBlockDelta(index: index, delta: .inputJSON(json)), .contentBlockStop(index: index),
        ]
    }

    @Test("a well-formed stream passes")
    func valid() {
        #expect(StreamGrammar.violations(in: [Self.start, .ping] + Self.text(0) + Self.tool(1, "{}") + Self.toolEnd) == [])
    }

    @Test(
        "each broken invariant is reported",
        arguments: [
            ("I1", [.ping, Self.start] + Self.text(0) + Self.end),
            ("I1", [Self.start, Self.start] + Self.text(0) + Self.end),
            ("I2", [Self.start] + Self.text(1) + Self.end),
            ("I2", [Self.start] + Self.text(0) + Self.text(0) + Self.end),
            ("I3", [Self.start, .contentBlockStart(index: 0, block: .text), .contentBlockStart(index: 1, block: .text)] + Self.end),
            ("I3", [Self.start, .contentBlockDelta(index: 0, delta: .text("x"))] + Self.end),
            (
                "I4",
                [
                    Self.start, .contentBlockStart(index: 0, block: .text), .contentBlockDelta(index: 0, delta: .thinking("x")),
                    .contentBlockStop(index: 0),
                ] + Self.end
            ),
            ("I5", [Self.start] + Self.tool(0, #"{"a":"#) + Self.toolEnd),
            ("I6", [Self.start, .contentBlockStart(index: 0, block: .text)] + Self.end + [.contentBlockStop(index: 0)]),
            ("I6", [Self.start] + Self.text(0)),
            ("I6", [Self.start] + Self.text(0) + Self.end + [.ping]),
            ("I8", [Self.start] + Self.text(0) + Self.toolEnd),
            ("I8", [Self.start] + Self.tool(0, "{}") + Self.end),
            (
                "§5.6",
                [
                    Self.start, .contentBlockStart(index: 0, block: .thinking), .contentBlockDelta(index: 0, delta: .thinking("x")),
                    .contentBlockStop(index: 0),
                ] + Self.end
            ),
        ] as [(String, [StreamEvent])]
    )
    func reportsViolation(invariant: String, events: [StreamEvent]) {
        let violations = StreamGrammar.violations(in: events)
        #expect(violations.contains { $0.hasPrefix(invariant + ":") }, "got \(violations)")
    }
}
