import ProxyCore

/// What an adapter's answer stream made of an upstream body, fed the way the proxy feeds it: `start`,
/// the bytes in the given pieces, `finish`.
public struct AnswerStreamRun: Equatable, Sendable {
    /// Every event, in order (those before a failure included).
    public var events: [StreamEvent] = []
    /// The error the stream threw, if any.
    public var error: AnthropicError?
    /// The usage `finish` returned, when it did not throw.
    public var usage: ResolvedUsage?

    /// Runs a fresh stream of `answer` over `parts`, one `feed` each.
    public init(_ answer: any UpstreamAnswer, messageID: String = "msg_test", parts: [ArraySlice<UInt8>]) {
        var stream = answer.makeStream(messageID: messageID)
        stream.start(into: &events)
        do {
            for part in parts { try stream.feed(Array(part), into: &events) }
            usage = try stream.finish(into: &events)
        } catch {
            self.error = error
        }
    }

    /// Runs a fresh stream of `answer` over the whole of `bytes` at once.
    public init(_ answer: any UpstreamAnswer, messageID: String = "msg_test", bytes: [UInt8]) {
        self.init(answer, messageID: messageID, parts: [bytes[...]])
    }

    /// The byte positions where feeding `bytes` in two pieces, split there, changes what the stream makes
    /// (its events, error or usage); empty when none does, as it must: a network splits a body anywhere.
    /// Tool ids are compared by their order, since adapters may draw fresh ones.
    public static func splitsThatChangeTheAnswer(_ answer: any UpstreamAnswer, bytes: [UInt8]) -> [Int] {
        let whole = AnswerStreamRun(answer, bytes: bytes).withNumberedToolIDs
        return (0...bytes.count).filter { position in
            AnswerStreamRun(answer, parts: [bytes[..<position], bytes[position...]]).withNumberedToolIDs != whole
        }
    }

    /// The run with each tool id replaced by `toolu_N`, N its block's place among the tool blocks.
    public var withNumberedToolIDs: AnswerStreamRun {
        var run = self
        var count = 0
        run.events = events.map { event in
            guard case .contentBlockStart(let index, .toolUse(_, let name)) = event else { return event }
            count += 1
            return .contentBlockStart(index: index, block: .toolUse(id: "toolu_\(count)", name: name))
        }
        return run
    }

    /// The text of every text delta, joined.
    public var text: String {
        events.compactMap { if case .contentBlockDelta(_, .text(let text)) = $0 { text } else { nil } }.joined()
    }

    /// The text of every thinking delta, joined.
    public var thinking: String {
        events.compactMap { if case .contentBlockDelta(_, .thinking(let text)) = $0 { text } else { nil } }.joined()
    }

    /// What each `content_block_start` opened, in order.
    public var blockStarts: [StreamEvent.BlockStart] {
        events.compactMap { if case .contentBlockStart(_, let block) = $0 { block } else { nil } }
    }

    /// The input JSON of each tool block (its `input_json_delta`s joined), in block order.
    public var toolInputs: [String] {
        var inputs: [Int: String] = [:]
        var order: [Int] = []
        for event in events {
            switch event {
            case .contentBlockStart(let index, .toolUse):
                inputs[index] = ""
                order.append(index)
            case .contentBlockDelta(let index, .inputJSON(let json)):
                inputs[index, default: ""] += json
            default:
                continue
            }
        }
        return order.map { inputs[$0] ?? "" }
    }

    /// The stop reason and usage of the `message_delta`, if one was sent.
    public var messageDelta: (stopReason: StopReason, usage: TokenUsage)? {
        for case .messageDelta(let reason, _, let usage) in events { return (reason, usage) }
        return nil
    }
}
