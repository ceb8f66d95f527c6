/// A Responses API event stream as Anthropic events (docs/responses-api.md §6.3).
///
/// The upstream streams output items (reasoning, message, function call), each from
/// `response.output_item.added` to `.done`, with deltas naming their item. Each item becomes one block;
/// an item's events that arrive while another item's block is open are held, and written when their
/// turn comes, so blocks never interleave and no argument fragment is lost. A reasoning item's block
/// ends with its encrypted content packed in the signature. `response.completed` or `.incomplete` ends
/// the message; `response.failed`, an `error` event, or the end of the body before either fails it.
struct ResponsesStream: SSEAnswerStream {
    private struct Item {
        enum Kind { case message, functionCall, reasoning, other }
        /// What an item's events carry, held until the item's block is the open one.
        enum Piece {
            case text(String)
            case thinking(String)
            case arguments(String)
        }

        /// The item's id, or `#N` for an item whose events carry only `output_index` N.
        var key: String
        var outputIndex: Int?
        var kind: Kind
        var callID: String?
        var name: String?
        var held: [Piece] = []
        /// The argument text written to the client so far.
        var writtenArguments = ""
        /// The whole argument text, from the `.done` events.
        var finalArguments: String?
        var encryptedContent: String?
        /// Any text or reasoning came for it, held or written.
        var sawContent = false
        var summaryParts = 0
        /// `response.output_item.done` came.
        var done = false
        /// Its block (if it made one) is closed.
        var completed = false
        var startedToolBlock = false
    }

    private let answer: ResponsesAnswer
    private var builder: StreamEventBuilder
    var decoder = SSEDecoder()
    private var items: [Item] = []
    /// The item whose block is being written.
    private var active: Int?
    private var refused = false
    /// Set by `response.completed` / `.incomplete`: the message is over.
    private var finalUsage: ResolvedUsage?

    init(answer: ResponsesAnswer, messageID: String) {
        self.answer = answer
        builder = StreamEventBuilder(
            messageID: messageID, clientModel: answer.clientModel, estimatedInputTokens: answer.context.estimatedInputTokens)
    }

    mutating func start(into events: inout [StreamEvent]) {
        builder.start(into: &events)
    }

    mutating func end(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        if let finalUsage { return finalUsage }
        // Cut before its end: an error, unless every item had finished and a tool call was among them —
        // then the turn ends as tool_use (sending it again would run those tools twice).
        guard builder.startedToolUse, items.allSatisfy(\.done) else {
            throw AnthropicError(.api, "the upstream stream ended before response.completed")
        }
        end(response: ["status": "completed"], into: &events)
        return finalUsage!
    }

    mutating func consume(event sse: SSEEvent, into events: inout [StreamEvent]) throws(AnthropicError) {
        // Lines that are not JSON events (`[DONE]` from some servers, keep-alive text) carry nothing.
        guard finalUsage == nil, let event = try? JSONParser.parse(sse.data), let type = event["type"]?.stringValue else { return }
        switch type {
        case "response.output_item.added":
            guard let item = event["item"] else { return }
            let position = position(key: item["id"]?.stringValue, outputIndex: event["output_index"]?.intValue, kind: Self.kind(of: item))
            if items[position].callID == nil { items[position].callID = item["call_id"]?.stringValue }
            if items[position].name == nil { items[position].name = item["name"]?.stringValue }
            if let arguments = item["arguments"]?.stringValue, !arguments.isEmpty {
                add(.arguments(arguments), to: position, into: &events)
            }
            activateNext(into: &events)
        case "response.output_text.delta", "response.refusal.delta":
            if type == "response.refusal.delta" { refused = true }
            guard let delta = event["delta"]?.stringValue, !delta.isEmpty else { return }
            add(.text(delta), to: position(of: event, kind: .message), into: &events)
        case "response.function_call_arguments.delta":
            guard let delta = event["delta"]?.stringValue, !delta.isEmpty else { return }
            add(.arguments(delta), to: position(of: event, kind: .functionCall), into: &events)
        case "response.function_call_arguments.done":
            items[position(of: event, kind: .functionCall)].finalArguments = event["arguments"]?.stringValue
        case "response.reasoning_summary_part.added":
            let position = position(of: event, kind: .reasoning)
            items[position].summaryParts += 1
            if items[position].summaryParts > 1 { add(.thinking("\n\n"), to: position, into: &events) }
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
            guard let delta = event["delta"]?.stringValue, !delta.isEmpty else { return }
            add(.thinking(delta), to: position(of: event, kind: .reasoning), into: &events)
        case "response.output_item.done":
            guard let item = event["item"] else { return }
            itemDone(item, outputIndex: event["output_index"]?.intValue, into: &events)
        case "response.completed", "response.incomplete":
            end(response: event["response"] ?? [:], into: &events)
        case "response.failed":
            throw ResponsesOutput.failure(of: event["response"] ?? [:]) ?? ResponsesOutput.error(.null)
        case "error":
            throw ResponsesOutput.error(event["error"] ?? event)
        default:
            return  // response.created (message_start is already out), content_part.*, *.done texts, …
        }
    }

    private static func kind(of item: JSONValue) -> Item.Kind {
        switch item["type"]?.stringValue {
        case "message": return .message
        case "function_call": return .functionCall
        case "reasoning": return .reasoning
        default: return .other
        }
    }

    /// The item a delta belongs to: by `item_id`, else by `output_index`; an item never announced is
    /// made up from the event (servers that skip `output_item.added`).
    private mutating func position(of event: JSONValue, kind: Item.Kind) -> Int {
        position(key: event["item_id"]?.stringValue, outputIndex: event["output_index"]?.intValue, kind: kind)
    }

    private mutating func position(key: String?, outputIndex: Int?, kind: Item.Kind) -> Int {
        if let key, let found = items.firstIndex(where: { $0.key == key }) { return found }
        if let outputIndex, let found = items.firstIndex(where: { $0.outputIndex == outputIndex }) { return found }
        items.append(Item(key: key ?? "#\(outputIndex ?? items.count)", outputIndex: outputIndex, kind: kind))
        return items.count - 1
    }

    private mutating func add(_ piece: Item.Piece, to position: Int, into events: inout [StreamEvent]) {
        if case .arguments = piece {} else { items[position].sawContent = true }
        if active == nil { activateNext(into: &events) }
        if active == position {
            write(piece, of: position, into: &events)
        } else {
            items[position].held.append(piece)
        }
    }

    private mutating func write(_ piece: Item.Piece, of position: Int, into events: inout [StreamEvent]) {
        switch piece {
        case .text(let text):
            builder.appendText(text, into: &events)
        case .thinking(let text):
            builder.appendThinking(text, into: &events)
        case .arguments(let json):
            startToolBlock(of: position, into: &events)
            guard items[position].startedToolBlock else {
                items[position].held.append(piece)  // no name yet: held until the item's `.done`
                return
            }
            builder.appendToolInput(json, into: &events)
            items[position].writtenArguments += json
        }
    }

    private mutating func startToolBlock(of position: Int, into events: inout [StreamEvent]) {
        let item = items[position]
        guard item.kind == .functionCall, !item.startedToolBlock, let name = item.name, !name.isEmpty else { return }
        builder.startToolUse(
            id: ToolCallID.normalized(item.callID ?? item.key), name: answer.toolNames.clientName(for: name), into: &events)
        items[position].startedToolBlock = true
    }

    /// Makes the first unfinished item the active one, writing what it held; an item already done is
    /// completed at once and the next one taken.
    private mutating func activateNext(into events: inout [StreamEvent]) {
        while active == nil, let next = items.firstIndex(where: { !$0.completed }) {
            active = next
            flush(next, into: &events)
            if items[next].done { complete(next, into: &events) }
        }
    }

    private mutating func flush(_ position: Int, into events: inout [StreamEvent]) {
        startToolBlock(of: position, into: &events)
        let held = items[position].held
        items[position].held = []
        for piece in held { write(piece, of: position, into: &events) }
    }

    private mutating func itemDone(_ item: JSONValue, outputIndex: Int?, into events: inout [StreamEvent]) {
        let position = position(key: item["id"]?.stringValue, outputIndex: outputIndex, kind: Self.kind(of: item))
        if items[position].callID == nil { items[position].callID = item["call_id"]?.stringValue }
        if items[position].name == nil { items[position].name = item["name"]?.stringValue }
        if let arguments = item["arguments"]?.stringValue { items[position].finalArguments = arguments }
        items[position].encryptedContent = item["encrypted_content"]?.stringValue
        // Servers that send only the finished item: its text comes from it.
        switch items[position].kind {
        case .reasoning where !items[position].sawContent:
            let text = ResponsesOutput.reasoningText(of: item)
            if !text.isEmpty {
                items[position].held.append(.thinking(text))
                items[position].sawContent = true
            }
        case .message where !items[position].sawContent:
            for part in item["content"]?.arrayValue ?? [] {
                if let text = (part["text"] ?? part["refusal"])?.stringValue, !text.isEmpty {
                    items[position].held.append(.text(text))
                    items[position].sawContent = true
                }
                if part["type"] == "refusal" { refused = true }
            }
        default:
            break
        }
        items[position].done = true
        if active == position {
            flush(position, into: &events)
            complete(position, into: &events)
        }
        activateNext(into: &events)
    }

    /// Closes the active item's block: a tool call gets the arguments only its `.done` events gave; a
    /// reasoning item's thinking ends with its packed encrypted content.
    private mutating func complete(_ position: Int, into events: inout [StreamEvent]) {
        let item = items[position]
        switch item.kind {
        case .functionCall:
            startToolBlock(of: position, into: &events)
            flush(position, into: &events)
            if let final = items[position].finalArguments, items[position].startedToolBlock {
                let written = items[position].writtenArguments
                if written.isEmpty, !final.isEmpty {
                    builder.appendToolInput(final, into: &events)
                } else if final.count > written.count, final.hasPrefix(written) {
                    builder.appendToolInput(String(final.dropFirst(written.count)), into: &events)
                }
            }
            builder.closeBlock(into: &events)
        case .reasoning:
            if !item.sawContent, item.encryptedContent != nil { builder.appendThinking("", into: &events) }
            builder.closeBlock(thinkingSignature: answer.signature(encryptedContent: item.encryptedContent), into: &events)
        case .message, .other:
            builder.closeBlock(into: &events)
        }
        items[position].completed = true
        active = nil
    }

    /// The message's end: every item written out, then `message_delta` with the stop reason and the
    /// final usage, and `message_stop`.
    private mutating func end(response: JSONValue, into events: inout [StreamEvent]) {
        while let next = items.firstIndex(where: { !$0.completed }) {
            active = next
            flush(next, into: &events)
            complete(next, into: &events)
        }
        if response["incomplete_details"]?["reason"] == "content_filter" {
            builder.appendText(StopReason.contentFilterNotice, into: &events)
        }
        let stopReason = ResponsesOutput.stopReason(of: response, sawToolUse: builder.startedToolUse, refused: refused)
        let resolved = answer.context.resolvedUsage(
            reported: ResponsesOutput.usage(response["usage"]), estimatedOutputTokens: builder.estimatedOutputTokens)
        let usage = builder.finish(stopReason: stopReason, stopSequence: nil, usage: resolved.usage, into: &events)
        finalUsage = ResolvedUsage(usage: usage, estimated: resolved.estimated)
    }
}
