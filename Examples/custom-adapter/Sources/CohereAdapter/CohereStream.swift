import ClaudeCodeProxyKit

/// A Cohere `/v2/chat` stream as Anthropic events.
///
/// Cohere numbers content (`content-*`) and tool calls (`tool-call-*`) separately, and a tool turn's
/// `tool-plan-delta`s have no index at all; Anthropic wants one sequence of blocks, one open at a time.
/// So blocks open by what arrives: a text delta while a thinking block is open closes it and opens the
/// next index. A tool call's block stays open until its `tool-call-end` (its arguments must join into
/// one JSON object): whatever else arrives meanwhile waits and follows it. `message-end` ends the
/// answer; a body that stops before it was cut, and fails.
struct CohereStream: AnswerStream {
    private struct ToolBlock: Equatable {
        var index: Int
        /// The Cohere index of the call.
        var call: Int?
        /// Arguments not sent yet: all of them while they do not start with `{` (`null`, junk), which
        /// then go out whole, as an object, when the block closes.
        var heldArguments = ""
        var sentArguments = false
    }

    private enum Open: Equatable {
        case none
        case text(Int)
        case thinking(Int)
        case tool(ToolBlock)
    }

    private let answer: CohereAnswer
    private let messageID: String
    private var decoder = SSEDecoder()
    private var open = Open.none
    private var nextIndex = 0
    /// Events that arrived while a tool call's block was open, in order.
    private var waiting: [JSONValue] = []
    private var sawToolUse = false
    private var finishReason: String?
    /// Whether `message-end` came; nothing after it counts.
    private var ended = false
    private var reportedUsage: TokenUsage?
    /// Everything sent to the client, for the output estimate when Cohere reports no usage.
    private var output = ""

    init(answer: CohereAnswer, messageID: String) {
        self.answer = answer
        self.messageID = messageID
    }

    mutating func start(into events: inout [StreamEvent]) {
        let usage = TokenUsage(inputTokens: answer.context.estimatedInputTokens)
        events.append(.messageStart(id: messageID, model: answer.clientModel, usage: usage))
        events.append(.ping)
    }

    mutating func feed(_ bytes: [UInt8], into events: inout [StreamEvent]) throws(AnthropicError) {
        var payloads: [[UInt8]] = []
        decoder.feed(bytes) { payloads.append($0) }
        for payload in payloads { try consume(payload, into: &events) }
    }

    mutating func finish(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        var payloads: [[UInt8]] = []
        decoder.finish { payloads.append($0) }
        for payload in payloads { try consume(payload, into: &events) }
        guard ended else {
            throw AnthropicError(.api, "the stream from provider '\(answer.provider)' ended before its message-end event")
        }
        let sent = AnthropicMessage(id: messageID, model: answer.clientModel, content: [.text(output)], stopReason: .endTurn, usage: TokenUsage())
        let usage = answer.context.resolvedUsage(reported: reportedUsage, estimatedOutputTokens: sent.estimatedOutputTokens)
        let stopReason = CohereFinish.stopReason(finishReason, sawToolUse: sawToolUse)
        let stopSequence = stopReason == .stopSequence ? CohereFinish.stopSequence(of: answer.stopSequences) : nil
        events.append(.messageDelta(stopReason: stopReason, stopSequence: stopSequence, usage: usage.usage))
        events.append(.messageStop)
        return usage
    }

    /// One `data:` payload. Its JSON `type` names the event (the `event:` line says the same).
    private mutating func consume(_ payload: [UInt8], into events: inout [StreamEvent]) throws(AnthropicError) {
        if ended || payload.elementsEqual("[DONE]".utf8) { return }
        // A payload that is not JSON (a keep-alive from something in between) carries nothing.
        guard let event = try? JSONParser.parse(payload), event.objectValue != nil else { return }
        try handle(event, into: &events)
    }

    private mutating func handle(_ event: JSONValue, into events: inout [StreamEvent]) throws(AnthropicError) {
        let delta = event["delta"]
        let message = delta?["message"]
        let type = event["type"]?.stringValue
        if case .tool(let tool) = open, Self.waits(type: type, index: event["index"]?.intValue, whileOpen: tool) {
            waiting.append(event)
            return
        }
        switch type {
        case "content-delta":
            let content = message?["content"]
            if let thought = content?["thinking"]?.stringValue {
                appendThinking(thought, into: &events)
            } else if let text = content?["text"]?.stringValue {
                appendText(text, into: &events)
            }
        case "content-end":
            if case .text = open { closeOpenBlock(into: &events) }
            if case .thinking = open { closeOpenBlock(into: &events) }
        case "tool-plan-delta":
            if let plan = message?["tool_plan"]?.stringValue { appendText(plan, into: &events) }
        case "tool-call-start":
            startToolCall(Self.toolCall(in: message), call: event["index"]?.intValue, into: &events)
        case "tool-call-delta":
            if let fragment = Self.toolCall(in: message)?["function"]?["arguments"]?.stringValue {
                appendArguments(fragment, into: &events)
            }
        case "tool-call-end":
            if case .tool = open { try closeToolBlock(into: &events) }
        case "message-end":
            let reason = delta?["finish_reason"]?.stringValue
            if let failure = CohereFinish.failure(finishReason: reason, error: delta?["error"]?.stringValue, provider: answer.provider) {
                throw failure
            }
            finishReason = reason
            if let usage = CohereUsage.usage(delta?["usage"]) { reportedUsage = usage }
            // Calls Cohere never ended, and whatever waited on them, still go out.
            while open != .none {
                if case .tool = open { try closeToolBlock(into: &events) } else { closeOpenBlock(into: &events) }
            }
            ended = true
        case nil:
            // Not an event: an error object sent in place of one.
            if let text = event["message"]?.stringValue ?? event["error"]?.stringValue ?? event["error"]?["message"]?.stringValue {
                throw AnthropicError(.api, "provider '\(answer.provider)' reported an error in its stream: \(text)")
            }
        default:
            // message-start (its id is not the client's), content-start (deltas say their kind),
            // citations and debug events add nothing to the Anthropic answer.
            break
        }
    }

    /// Whether an event must wait for the open tool call's block to close: anything that would write
    /// into another block. A call's own deltas and end carry its index, or none (some servers omit it).
    private static func waits(type: String?, index: Int?, whileOpen tool: ToolBlock) -> Bool {
        switch type {
        case "content-delta", "content-end", "tool-plan-delta", "tool-call-start": return true
        case "tool-call-delta", "tool-call-end": return index != nil && tool.call != nil && index != tool.call
        default: return false
        }
    }

    /// `delta.message.tool_calls`: one object in Cohere's events (an array is read as its first entry).
    private static func toolCall(in message: JSONValue?) -> JSONValue? {
        let calls = message?["tool_calls"]
        return calls?.arrayValue?.first ?? calls
    }

    private mutating func appendText(_ text: String, into events: inout [StreamEvent]) {
        guard !text.isEmpty else { return }
        let index: Int
        if case .text(let current) = open {
            index = current
        } else {
            index = startBlock(.text, into: &events)
            open = .text(index)
        }
        events.append(.contentBlockDelta(index: index, delta: .text(text)))
        output += text
    }

    private mutating func appendThinking(_ text: String, into events: inout [StreamEvent]) {
        guard !text.isEmpty else { return }
        let index: Int
        if case .thinking(let current) = open {
            index = current
        } else {
            index = startBlock(.thinking, into: &events)
            open = .thinking(index)
        }
        events.append(.contentBlockDelta(index: index, delta: .thinking(text)))
        output += text
    }

    private mutating func startToolCall(_ call: JSONValue?, call position: Int?, into events: inout [StreamEvent]) {
        guard let function = call?["function"], let name = function["name"]?.stringValue, !name.isEmpty else { return }
        let id = CohereID.toolUseID(upstream: call?["id"]?.stringValue)
        let index = startBlock(.toolUse(id: id, name: name), into: &events)
        open = .tool(ToolBlock(index: index, call: position))
        sawToolUse = true
        output += name
        if let arguments = function["arguments"]?.stringValue { appendArguments(arguments, into: &events) }
    }

    /// Arguments for the open call, sent as they come once they start like an object. Deltas for a call
    /// with no open block (it never started) have nowhere to go.
    private mutating func appendArguments(_ fragment: String, into events: inout [StreamEvent]) {
        guard case .tool(var tool) = open, !fragment.isEmpty else { return }
        output += fragment
        if tool.sentArguments {
            events.append(.contentBlockDelta(index: tool.index, delta: .inputJSON(fragment)))
            return
        }
        tool.heldArguments += fragment
        if tool.heldArguments.first(where: { !$0.isWhitespace }) == "{" {
            events.append(.contentBlockDelta(index: tool.index, delta: .inputJSON(tool.heldArguments)))
            tool.heldArguments = ""
            tool.sentArguments = true
        }
        open = .tool(tool)
    }

    /// Ends the open tool call's block, then lets what waited for it through.
    private mutating func closeToolBlock(into events: inout [StreamEvent]) throws(AnthropicError) {
        closeOpenBlock(into: &events)
        try replayWaiting(into: &events)
    }

    /// Handles the events that waited, in order; those that must wait again (behind a call that starts
    /// among them) queue up again in the same order.
    private mutating func replayWaiting(into events: inout [StreamEvent]) throws(AnthropicError) {
        let replay = waiting
        waiting = []
        for event in replay { try handle(event, into: &events) }
    }

    private mutating func startBlock(_ block: StreamEvent.BlockStart, into events: inout [StreamEvent]) -> Int {
        closeOpenBlock(into: &events)
        let index = nextIndex
        nextIndex += 1
        events.append(.contentBlockStart(index: index, block: block))
        return index
    }

    private mutating func closeOpenBlock(into events: inout [StreamEvent]) {
        switch open {
        case .none:
            return
        case .text(let index):
            events.append(.contentBlockStop(index: index))
        case .thinking(let index):
            events.append(.contentBlockDelta(index: index, delta: .signature(CohereFinish.thinkingSignature)))
            events.append(.contentBlockStop(index: index))
        case .tool(let tool):
            if !tool.sentArguments {
                let input = CohereToolInput.object(from: .string(tool.heldArguments)).serializedString()
                events.append(.contentBlockDelta(index: tool.index, delta: .inputJSON(input)))
            }
            events.append(.contentBlockStop(index: tool.index))
        }
        open = .none
    }
}
