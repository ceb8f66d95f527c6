import ClaudeCodeProxyKit

/// A Cohere `/v2/chat` stream as Anthropic events.
///
/// Cohere numbers content (`content-*`) and tool calls (`tool-call-*`) separately, and a tool turn's
/// `tool-plan-delta`s have no index at all; Anthropic wants one sequence of blocks, one open at a time.
/// So blocks are opened by what arrives, not by Cohere's indexes: a delta of another kind than the open
/// block closes it and opens the next index. A thinking block ends with a signature; a tool block that
/// got no arguments ends with `{}`. `message-end` is the end of the answer: a body that stops before it
/// was cut, and fails.
struct CohereStream: AnswerStream {
    private enum Open: Equatable {
        case none
        case text(Int)
        case thinking(Int)
        /// A tool-use block, the Cohere index of its call, and whether it got arguments yet.
        case tool(Int, call: Int?, hasArguments: Bool)
    }

    private let answer: CohereAnswer
    private let messageID: String
    private var decoder = SSEDecoder()
    private var open = Open.none
    private var nextIndex = 0
    private var sawToolUse = false
    /// `message-end`'s `finish_reason` once it came; nothing after it counts.
    private var finishReason: String?
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
        closeOpenBlock(into: &events)
        let estimate = AnthropicMessage(id: messageID, model: answer.clientModel, content: [.text(output)], stopReason: .endTurn, usage: TokenUsage())
        let usage = answer.context.resolvedUsage(reported: reportedUsage, estimatedOutputTokens: estimate.estimatedOutputTokens)
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
        let delta = event["delta"]
        let message = delta?["message"]
        switch event["type"]?.stringValue {
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
                appendArguments(fragment, call: event["index"]?.intValue, into: &events)
            }
        case "tool-call-end":
            if case .tool = open { closeOpenBlock(into: &events) }
        case "message-end":
            let reason = delta?["finish_reason"]?.stringValue
            if let failure = CohereFinish.failure(finishReason: reason, error: delta?["error"]?.stringValue, provider: answer.provider) {
                throw failure
            }
            finishReason = reason
            if let usage = CohereUsage.usage(delta?["usage"]) { reportedUsage = usage }
            closeOpenBlock(into: &events)
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
        open = .tool(index, call: position, hasArguments: false)
        sawToolUse = true
        output += name
        if let arguments = function["arguments"]?.stringValue { appendArguments(arguments, call: position, into: &events) }
    }

    /// Arguments for the open call; those of a call whose block was closed can no longer be sent.
    private mutating func appendArguments(_ fragment: String, call position: Int?, into events: inout [StreamEvent]) {
        guard case .tool(let index, let call, _) = open, position == nil || call == nil || position == call, !fragment.isEmpty else {
            return
        }
        events.append(.contentBlockDelta(index: index, delta: .inputJSON(fragment)))
        open = .tool(index, call: call, hasArguments: true)
        output += fragment
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
        case .tool(let index, _, let hasArguments):
            if !hasArguments { events.append(.contentBlockDelta(index: index, delta: .inputJSON("{}"))) }
            events.append(.contentBlockStop(index: index))
        }
        open = .none
    }
}
