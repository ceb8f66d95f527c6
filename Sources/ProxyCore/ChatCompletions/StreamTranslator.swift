/// The state machine that turns OpenAI chat-completion chunks into Anthropic stream events.
///
/// It guarantees the Anthropic grammar whatever the upstream does (docs/translation.md §5.1 I1–I8): one
/// `message_start`; blocks with unique increasing indexes, one open at a time, each delta matching its
/// block's type; tool arguments only in `input_json_delta`s that concatenate to the whole input;
/// `message_delta` held until the trailing usage chunk; a truncated upstream ends in an `error` event.
package struct StreamTranslator: Sendable {
    private struct ToolCall {
        var upstreamIndex: Int?
        var id: String?
        var name: String?
        var blockIndex: Int?
        var arguments = ""
        var emittedArguments = false
    }

    private var builder: StreamEventBuilder
    private let toolNames: ToolNameMapping
    private let stopSequences: [String]
    /// Splits `<think>…</think>` out of the answer when the provider writes reasoning inline.
    private var thinkTags: ThinkTagSplitter?
    /// See `Quirks.bufferToolArguments`.
    private let bufferToolArguments: Bool

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
                builder.appendThinking(reasoning, into: &events)
            }
            if let text = delta["content"]?.stringValue, !text.isEmpty {
                if thinkTags != nil {
                    appendPieces(thinkTags!.feed(text), into: &events)
                } else {
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
            if reason == "content_filter" { builder.appendText(StopReason.contentFilterNotice, into: &events) }
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
        sawEnd: Bool, usage resolve: (TokenUsage?, Int) -> TokenUsage, into events: inout [StreamEvent]
    ) throws(AnthropicError) -> TokenUsage {
        if finishReason == nil, !sawEnd {
            // A cut stream is an error, unless it had delivered complete tool calls: then the turn ends
            // as tool_use (re-sending it would run those tools twice). The call still open must be
            // complete too, since its start already went out.
            let deliveredToolCall = toolCalls.contains { $0.blockIndex != nil && !isOpen(toolBlock: $0.blockIndex) }
            let openCallComplete = openToolCall.map { (try? JSONParser.parse(toolCalls[$0].arguments))?.objectValue != nil } ?? true
            guard deliveredToolCall, openCallComplete else {
                throw AnthropicError(.api, "the upstream stream ended unexpectedly")
            }
        }
        if thinkTags != nil { appendPieces(thinkTags!.finish(), into: &events) }
        closeOpenBlock(into: &events)
        let usage = resolve(upstreamUsage, builder.estimatedOutputTokens)
        let stopReason = StopReason(
            finishReason: finishReason, sawToolUse: builder.startedToolUse, matchedStopSequence: matchedStopSequence)
        let stopSequence = stopReason == .stopSequence ? matchedStopSequence : nil
        return builder.finish(stopReason: stopReason, stopSequence: stopSequence, usage: usage, into: &events)
    }

    /// The position in `toolCalls` of the call whose block is open, if one is.
    private var openToolCall: Int? {
        guard case .toolUse(let index) = builder.openBlock else { return nil }
        return toolCalls.firstIndex { $0.blockIndex == index }
    }

    private func isOpen(toolBlock index: Int?) -> Bool {
        if case .toolUse(let open) = builder.openBlock { return open == index }
        return false
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

    private mutating func appendPieces(_ pieces: [ThinkTagSplitter.Piece], into events: inout [StreamEvent]) {
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
        if let name = function?["name"]?.stringValue, !name.isEmpty, toolCalls[position].name == nil {
            toolCalls[position].name = name
        }
        if let fragment = Self.argumentsFragment(function?["arguments"]) {
            var previous = toolCalls[position].arguments
            // Some servers resend the whole argument string each time: forward only what is new.
            let fresh = !previous.isEmpty && fragment.hasPrefix(previous) ? String(fragment.dropFirst(previous.count)) : fragment
            previous += fresh
            toolCalls[position].arguments = previous
            if toolCalls[position].blockIndex != nil, !fresh.isEmpty {
                emitArguments(fresh, of: position, into: &events)
            }
        }
        if toolCalls[position].blockIndex == nil, let name = toolCalls[position].name {
            let id = ToolCallID.normalized(toolCalls[position].id)
            let index = builder.startToolUse(id: id, name: toolNames.clientName(for: name), into: &events)
            toolCalls[position].blockIndex = index
            let buffered = toolCalls[position].arguments
            if !buffered.isEmpty { emitArguments(buffered, of: position, into: &events) }
        }
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

    private mutating func emitArguments(_ fragment: String, of position: Int, into events: inout [StreamEvent]) {
        guard let blockIndex = toolCalls[position].blockIndex, !bufferToolArguments else { return }
        // Arguments for a call whose block was closed by later output cannot be sent any more.
        guard builder.openBlock == .toolUse(index: blockIndex) else { return }
        builder.appendToolInput(fragment, into: &events)
        toolCalls[position].emittedArguments = true
    }

    /// Closes the open block; a tool call whose arguments were held back (`bufferToolArguments`) gets
    /// them whole and repaired first.
    private mutating func closeOpenBlock(into events: inout [StreamEvent]) {
        if bufferToolArguments, let position = openToolCall, !toolCalls[position].emittedArguments {
            builder.appendToolInput(ToolArguments.object(from: .string(toolCalls[position].arguments)).serializedString(), into: &events)
            toolCalls[position].emittedArguments = true
        }
        builder.closeBlock(into: &events)
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
