import ClaudeCodeProxyKit

/// A Cohere `/v2/chat` stream as Anthropic events.
///
/// Cohere numbers content (`content-*`) and tool calls (`tool-call-*`) separately, and a tool turn's
/// `tool-plan-delta`s have no index at all; Anthropic wants one sequence of blocks, one open at a time.
/// So blocks open by what arrives: a text delta while a thinking block is open closes it and opens the
/// next index. A tool call's block stays open until its `tool-call-end` (its arguments must join into
/// one JSON object): whatever else arrives meanwhile waits and follows it. `message-end` ends the
/// answer; a body that stops before it was cut, and fails.
struct CohereStream: SSEAnswerStream {
    /// The tool call whose block is open.
    private struct OpenCall {
        /// The Cohere index of the call.
        var call: Int?
        /// Arguments not sent yet: all of them while they do not start with `{` (`null`, junk), which
        /// then go out whole, as an object, when the block closes.
        var heldArguments = ""
        var sentArguments = false
    }

    private let answer: CohereAnswer
    private var builder: StreamEventBuilder
    var decoder = SSEDecoder()
    private var openCall: OpenCall?
    /// Events that arrived while a tool call's block was open, in order.
    private var waiting: [JSONValue] = []
    private var finishReason: String?
    /// Whether `message-end` came; nothing after it counts.
    private var ended = false
    private var reportedUsage: TokenUsage?

    init(answer: CohereAnswer, messageID: String) {
        self.answer = answer
        builder = StreamEventBuilder(
            messageID: messageID, clientModel: answer.clientModel, estimatedInputTokens: answer.context.estimatedInputTokens)
    }

    mutating func start(into events: inout [StreamEvent]) {
        builder.start(into: &events)
    }

    mutating func end(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        guard ended else {
            throw AnthropicError(.api, "the stream from provider '\(answer.provider)' ended before its message-end event")
        }
        var usage = answer.context.resolvedUsage(reported: reportedUsage, estimatedOutputTokens: builder.estimatedOutputTokens)
        let stopReason = CohereFinish.stopReason(finishReason, sawToolUse: builder.startedToolUse)
        let stopSequence = stopReason == .stopSequence ? CohereFinish.stopSequence(of: answer.stopSequences) : nil
        usage.usage = builder.finish(stopReason: stopReason, stopSequence: stopSequence, usage: usage.usage, into: &events)
        return usage
    }

    /// One event. Its JSON `type` names it (the `event:` line says the same).
    mutating func consume(event sse: SSEEvent, into events: inout [StreamEvent]) throws(AnthropicError) {
        if ended || sse.data.elementsEqual("[DONE]".utf8) { return }
        // A payload that is not JSON (a keep-alive from something in between) carries nothing.
        guard let event = try? JSONParser.parse(sse.data), event.objectValue != nil else { return }
        try handle(event, into: &events)
    }

    private mutating func handle(_ event: JSONValue, into events: inout [StreamEvent]) throws(AnthropicError) {
        let delta = event["delta"]
        let message = delta?["message"]
        let type = event["type"]?.stringValue
        if let openCall, Self.waits(type: type, index: event["index"]?.intValue, whileOpen: openCall) {
            waiting.append(event)
            return
        }
        switch type {
        case "content-delta":
            let content = message?["content"]
            if let thought = content?["thinking"]?.stringValue, !thought.isEmpty {
                builder.appendThinking(thought, into: &events)
            } else if let text = content?["text"]?.stringValue, !text.isEmpty {
                builder.appendText(text, into: &events)
            }
        case "content-end":
            builder.closeBlock(into: &events)
        case "tool-plan-delta":
            if let plan = message?["tool_plan"]?.stringValue, !plan.isEmpty { builder.appendText(plan, into: &events) }
        case "tool-call-start":
            try startToolCall(Self.toolCall(in: message), call: event["index"]?.intValue, into: &events)
        case "tool-call-delta":
            if let fragment = Self.toolCall(in: message)?["function"]?["arguments"]?.stringValue {
                appendArguments(fragment, into: &events)
            }
        case "tool-call-end":
            if openCall != nil { try closeToolBlock(into: &events) }
        case "message-end":
            let reason = delta?["finish_reason"]?.stringValue
            if let failure = CohereFinish.failure(finishReason: reason, error: delta?["error"]?.stringValue, provider: answer.provider) {
                throw failure
            }
            finishReason = reason
            if let usage = CohereUsage.usage(delta?["usage"]) { reportedUsage = usage }
            // Calls Cohere never ended, and whatever waited on them, still go out.
            while openCall != nil { try closeToolBlock(into: &events) }
            builder.closeBlock(into: &events)
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
    private static func waits(type: String?, index: Int?, whileOpen open: OpenCall) -> Bool {
        switch type {
        case "content-delta", "content-end", "tool-plan-delta", "tool-call-start": return true
        case "tool-call-delta", "tool-call-end": return index != nil && open.call != nil && index != open.call
        default: return false
        }
    }

    /// `delta.message.tool_calls`: one object in Cohere's events (an array is read as its first entry).
    private static func toolCall(in message: JSONValue?) -> JSONValue? {
        let calls = message?["tool_calls"]
        return calls?.arrayValue?.first ?? calls
    }

    private mutating func startToolCall(_ call: JSONValue?, call position: Int?, into events: inout [StreamEvent]) throws(AnthropicError) {
        guard let function = call?["function"], let name = function["name"]?.stringValue, !name.isEmpty else { return }
        builder.startToolUse(id: ToolCallID.normalized(call?["id"]?.stringValue), name: name, into: &events)
        openCall = OpenCall(call: position)
        if let arguments = function["arguments"]?.stringValue { appendArguments(arguments, into: &events) }
    }

    /// Arguments for the open call, sent as they come once they start like an object. Deltas for a call
    /// with no open block (it never started) have nowhere to go.
    private mutating func appendArguments(_ fragment: String, into events: inout [StreamEvent]) {
        guard var call = openCall, !fragment.isEmpty else { return }
        if call.sentArguments {
            builder.appendToolInput(fragment, into: &events)
            return
        }
        call.heldArguments += fragment
        if call.heldArguments.first(where: { !$0.isWhitespace }) == "{" {
            builder.appendToolInput(call.heldArguments, into: &events)
            call.heldArguments = ""
            call.sentArguments = true
        }
        openCall = call
    }

    /// Ends the open tool call's block (held arguments go out whole, as an object), then lets what
    /// waited for it through.
    private mutating func closeToolBlock(into events: inout [StreamEvent]) throws(AnthropicError) {
        if let call = openCall, !call.sentArguments, !call.heldArguments.isEmpty {
            builder.appendToolInput(ToolArguments.object(from: .string(call.heldArguments)).serializedString(), into: &events)
        }
        openCall = nil
        builder.closeBlock(into: &events)
        let replay = waiting
        waiting = []
        for event in replay { try handle(event, into: &events) }
    }
}
