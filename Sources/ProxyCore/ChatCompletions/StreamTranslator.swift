/// The state machine that turns OpenAI chat-completion chunks into Anthropic stream events.
///
/// It guarantees the Anthropic grammar whatever the upstream does (docs/translation.md §5.1 I1–I8): one
/// `message_start`; blocks with unique increasing indexes, one open at a time, each delta matching its
/// block's type; tool arguments only in `input_json_delta`s that concatenate to the whole input;
/// `message_delta` held until the trailing usage chunk; a truncated upstream ends in an `error` event.
///
/// Tool calls may stream their fragments in any order across calls. Each named call gets one block, in
/// the order the calls appear, and all its fragments: the open call streams as it arrives, the others
/// hold theirs until it is one whole object (then the next opens with what it held) or until other
/// output or the end writes them out one after the other.
package struct StreamTranslator: Sendable {
    private struct ToolCall {
        var upstreamIndex: Int?
        var id: String?
        /// Gemini's thought signature (`GeminiCompatSignature`), from whichever fragment brought it.
        var signature: String?
        var name: String?
        var blockIndex: Int?
        /// Every argument fragment so far.
        var arguments = ""
        /// The fragments not yet written, because the call's block is not open (under `bufferToolArguments`
        /// none are: the repaired whole goes out when the block closes).
        var held = ""
        var objectEnd = JSONObjectEnd()
        /// Its block was written and closed: nothing more can reach it.
        var closed = false

        /// Adds an argument fragment; some servers resend the whole string each time: only what is new counts.
        mutating func add(_ fragment: String) {
            let fresh = !arguments.isEmpty && fragment.hasPrefix(arguments) ? String(fragment.dropFirst(arguments.count)) : fragment
            arguments += fresh
            held += fresh
            objectEnd.feed(fresh)
        }
    }

    private var builder: StreamEventBuilder
    private let toolNames: ToolNameMapping
    private let stopSequences: [String]
    /// Splits `<think>…</think>` out of the answer when the provider writes reasoning inline.
    private var thinkTags: ThinkTagSplitter?
    /// See `Quirks.bufferToolArguments`.
    private let bufferToolArguments: Bool

    /// In the order they appeared.
    private var toolCalls: [ToolCall] = []
    private var currentToolCall: Int?
    private var finishReason: String?
    private var matchedStopSequence: String?
    private var upstreamUsage: TokenUsage?

    package init(
        messageID: String, clientModel: String, estimatedInputTokens: Int, toolNames: ToolNameMapping = .identity,
        stopSequences: [String] = [],
        thinkTags: Bool = false, bufferToolArguments: Bool = false
    ) {
        self.builder = StreamEventBuilder(messageID: messageID, clientModel: clientModel, estimatedInputTokens: estimatedInputTokens)
        self.toolNames = toolNames
        self.stopSequences = stopSequences
        self.thinkTags = thinkTags ? ThinkTagSplitter() : nil
        self.bufferToolArguments = bufferToolArguments
    }

    /// `message_start` (carrying the local input estimate, shown by Claude Code as progress) and a `ping`.
    package func start(into events: inout [StreamEvent]) {
        builder.start(into: &events)
    }

    /// Consumes one upstream chunk (a parsed `data:` payload).
    package mutating func consume(_ chunk: JSONValue, into events: inout [StreamEvent]) throws(AnthropicError) {
        if let error = chunk["error"], !error.isNull {
            throw AnthropicError.inBand(error)
        }
        if let usage = UsageMapping.usage(fromOpenAI: chunk["usage"]) {
            upstreamUsage = usage
        }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return }
        if let delta = choice["delta"] {
            if let reasoning = Self.reasoningText(in: delta), !reasoning.isEmpty {
                writeOutToolCalls(into: &events)
                builder.appendThinking(reasoning, into: &events)
            }
            if let text = delta["content"]?.stringValue, !text.isEmpty {
                if thinkTags != nil {
                    appendPieces(thinkTags!.feed(text), into: &events)
                } else {
                    writeOutToolCalls(into: &events)
                    builder.appendText(text, into: &events)
                }
            }
            if let calls = delta["tool_calls"]?.arrayValue {
                for call in calls { appendToolCall(call, into: &events) }
            }
        }
        if let reason = choice["finish_reason"]?.stringValue {
            if reason == "error" {
                throw AnthropicError(.api, "the upstream stream reported an error")
            }
            if thinkTags != nil { appendPieces(thinkTags!.finish(), into: &events) }
            finishReason = reason
            matchedStopSequence = StopReason.matchedStopSequence(in: choice, of: stopSequences)
            if reason == "content_filter" {
                writeOutToolCalls(into: &events)
                builder.appendText(StopReason.contentFilterNotice, into: &events)
            }
            closeOpenBlock(into: &events)
        }
    }

    /// Ends the stream at `[DONE]` or end of input.
    ///
    /// - Parameter sawEnd: whether the upstream sent `[DONE]`. Without it and without a `finish_reason`
    ///   the stream was cut: the client gets an error rather than a truncated answer passed off as whole
    ///   — unless a complete tool call was already delivered, which ends as a normal `tool_use` turn.
    /// - Returns: the final usage when the stream finished normally.
    package mutating func finish(
        sawEnd: Bool, usage: ChatCompletionsUsage, into events: inout [StreamEvent]
    ) throws(AnthropicError) -> ResolvedUsage {
        if finishReason == nil, !sawEnd {
            // A cut stream is an error, unless it had delivered complete tool calls: then the turn ends
            // as tool_use (re-sending it would run those tools twice). The calls not yet closed (the open
            // one, whose start already went out, and those held) must be complete too.
            let deliveredToolCall = toolCalls.contains(where: \.closed)
            let pendingCallsComplete = toolCalls.allSatisfy {
                $0.closed || $0.name == nil || (try? JSONParser.parse($0.arguments))?.objectValue != nil
            }
            guard deliveredToolCall, pendingCallsComplete else {
                throw AnthropicError(.api, "the upstream stream ended unexpectedly")
            }
        }
        if thinkTags != nil { appendPieces(thinkTags!.finish(), into: &events) }
        closeOpenBlock(into: &events)
        var resolved = usage.resolved(reported: upstreamUsage, estimatedOutputTokens: builder.estimatedOutputTokens)
        let stopReason = StopReason(
            finishReason: finishReason, sawToolUse: builder.startedToolUse, matchedStopSequence: matchedStopSequence)
        let stopSequence = stopReason == .stopSequence ? matchedStopSequence : nil
        resolved.usage = builder.finish(stopReason: stopReason, stopSequence: stopSequence, usage: resolved.usage, into: &events)
        return resolved
    }

    /// The position in `toolCalls` of the call whose block is open, if one is.
    private var openToolCall: Int? {
        guard case .toolUse(let index) = builder.openBlock else { return nil }
        return toolCalls.firstIndex { $0.blockIndex == index }
    }

    private static func reasoningText(in delta: JSONValue) -> String? {
        if let text = delta["reasoning_content"]?.stringValue { return text }
        if let text = delta["reasoning"]?.stringValue { return text }
        if let details = delta["reasoning_details"]?.arrayValue {
            let text = details.compactMap { $0["text"]?.stringValue }.joined()
            return text.isEmpty ? nil : text
        }
        return nil
    }

    /// Text and reasoning, after the tool calls still pending: a call's block cannot follow other output.
    private mutating func appendPieces(_ pieces: [ThinkTagSplitter.Piece], into events: inout [StreamEvent]) {
        if !pieces.isEmpty { writeOutToolCalls(into: &events) }
        for piece in pieces {
            switch piece {
            case .thinking(let thought): builder.appendThinking(thought, into: &events)
            case .text(let answer): builder.appendText(answer, into: &events)
            }
        }
    }

    private mutating func appendToolCall(_ call: JSONValue, into events: inout [StreamEvent]) {
        let position = toolCallPosition(for: call)
        let function = call["function"]
        if let id = call["id"]?.stringValue, !id.isEmpty, toolCalls[position].id == nil { toolCalls[position].id = id }
        if let signature = GeminiCompatSignature.signature(of: call) { toolCalls[position].signature = signature }
        if let name = function?["name"]?.stringValue, !name.isEmpty, toolCalls[position].name == nil {
            toolCalls[position].name = name
        }
        if let fragment = Self.argumentsFragment(function?["arguments"]), !toolCalls[position].closed {
            toolCalls[position].add(fragment)
        }
        advanceToolCalls(into: &events)
    }

    /// Which tool call a delta belongs to: by upstream index, by id when the index is missing (Gemini,
    /// older Ollama), else the latest one. The same index with a new id is a new call (Gemini sends
    /// parallel calls all at index 0).
    private mutating func toolCallPosition(for call: JSONValue) -> Int {
        let upstreamIndex = call["index"]?.intValue
        let id = call["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let id, let existing = toolCalls.lastIndex(where: { $0.id == id }) {
            currentToolCall = existing
            return existing
        }
        if let upstreamIndex, let existing = toolCalls.lastIndex(where: { $0.upstreamIndex == upstreamIndex }),
            id == nil || toolCalls[existing].id == nil
        {
            currentToolCall = existing
            return existing
        }
        // Without index or id, a delta naming a function starts a new call once the current one has its
        // name (older Ollama sends each call whole in its own chunk); otherwise it continues the current.
        let startsNewCall = call["function"]?["name"]?.stringValue.map { !$0.isEmpty } ?? false
        if upstreamIndex == nil, id == nil, let currentToolCall, !(startsNewCall && toolCalls[currentToolCall].name != nil) {
            return currentToolCall
        }
        toolCalls.append(ToolCall(upstreamIndex: upstreamIndex, id: id))
        currentToolCall = toolCalls.count - 1
        return toolCalls.count - 1
    }

    private static func argumentsFragment(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): return text
        case .object, .array: return value?.serializedString()  // some hosts send the object itself
        default: return nil
        }
    }

    /// Writes what the tool calls allow now: the open call gets its held fragments; once it is one whole
    /// object and another named call waits, it closes and the first waiting call opens with what it held.
    private mutating func advanceToolCalls(into events: inout [StreamEvent]) {
        while true {
            if let open = openToolCall {
                writeHeld(of: open, into: &events)
                let waiting = toolCalls.indices.contains { $0 != open && !toolCalls[$0].closed && toolCalls[$0].name != nil }
                guard waiting, toolCalls[open].objectEnd.isWholeObject else { return }
                closeBlock(of: open, into: &events)
            }
            guard let next = toolCalls.firstIndex(where: { !$0.closed && $0.name != nil }) else { return }
            openBlock(of: next, into: &events)
        }
    }

    /// Writes every named tool call not yet closed, whole and one after the other, the open one first.
    private mutating func writeOutToolCalls(into events: inout [StreamEvent]) {
        if let open = openToolCall { closeBlock(of: open, into: &events) }
        while let next = toolCalls.firstIndex(where: { !$0.closed && $0.name != nil }) {
            openBlock(of: next, into: &events)
            closeBlock(of: next, into: &events)
        }
    }

    private mutating func openBlock(of position: Int, into events: inout [StreamEvent]) {
        let id = GeminiCompatSignature.toolUseID(upstreamID: toolCalls[position].id, signature: toolCalls[position].signature)
        let name = toolNames.clientName(for: toolCalls[position].name ?? "")
        toolCalls[position].blockIndex = builder.startToolUse(id: id, name: name, into: &events)
    }

    private mutating func writeHeld(of position: Int, into events: inout [StreamEvent]) {
        guard !bufferToolArguments, !toolCalls[position].held.isEmpty else { return }
        builder.appendToolInput(toolCalls[position].held, into: &events)
        toolCalls[position].held = ""
    }

    /// Closes an open call's block after its last held fragments, or its whole arguments repaired when
    /// they were held back (`bufferToolArguments`).
    private mutating func closeBlock(of position: Int, into events: inout [StreamEvent]) {
        if bufferToolArguments {
            builder.appendToolInput(ToolArguments.object(from: .string(toolCalls[position].arguments)).serializedString(), into: &events)
        } else {
            writeHeld(of: position, into: &events)
        }
        builder.closeBlock(into: &events)
        toolCalls[position].closed = true
    }

    /// Closes the open block, after writing out the tool calls still pending.
    private mutating func closeOpenBlock(into events: inout [StreamEvent]) {
        writeOutToolCalls(into: &events)
        builder.closeBlock(into: &events)
    }
}

/// Follows a tool call's argument text as it grows, to tell when it holds one whole JSON object — when
/// no fragment can follow — without parsing it again at every fragment.
private struct JSONObjectEnd {
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var started = false
    private var ended = false
    /// Not an object, or more than whitespace after its end.
    private var malformed = false

    /// The text so far opens with `{` and closes it, with only whitespace after.
    var isWholeObject: Bool { ended && !malformed }

    mutating func feed(_ text: String) {
        for byte in text.utf8 where !malformed {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            case _ where ended || (!started && byte != UInt8(ascii: "{")):
                malformed = true
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                started = true
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                ended = depth == 0
            default:
                continue
            }
        }
    }
}

extension AnthropicError {
    /// An error object inside an upstream answer or stream (`{"error": {"message", "code"}}`), found after
    /// the upstream's 200: in a stream it can only reach the client as an SSE `error` event.
    static func inBand(_ error: JSONValue) -> AnthropicError {
        let message = error["message"]?.stringValue ?? error.stringValue ?? "the upstream stream reported an error"
        let code = error["code"]?.intValue ?? 500
        return AnthropicError(AnthropicErrorType(upstreamStatus: code), "upstream error: \(message)")
    }
}
