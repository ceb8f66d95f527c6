/// Anthropic `system` + `messages` → OpenAI `messages` (docs/translation.md §3.2–3.5).
enum MessageWalk {
    static func messages(for request: MessagesRequest, toolNames: ToolNameMapping, options: ChatCompletionsOptions) -> [JSONValue] {
        let shape = Shape(options: options)
        var output: [JSONValue] = []
        var system = systemText(request.system)
        var pendingToolCallIDs: [String] = []
        for message in request.messages {
            switch message.role {
            case .system:
                closeToolCalls(&pendingToolCallIDs, answeredBy: [], shape: shape, into: &output)
                let text = message.content.compactMap { if case .text(let text) = $0 { return text } else { return nil } }.joined(
                    separator: "\n")
                guard !text.isEmpty else { continue }
                switch options.quirks[Quirks.midSystem] {
                case .inlineUser: output.append(["role": "user", "content": .string("<system-reminder>\n\(text)\n</system-reminder>")])
                case .inlineSystem: output.append(["role": "system", "content": .string(text)])
                case .mergeTop: system = system.isEmpty ? text : system + "\n\n" + text
                }
            case .assistant:
                closeToolCalls(&pendingToolCallIDs, answeredBy: [], shape: shape, into: &output)
                let (assistant, callIDs) = assistantMessage(message.content, toolNames: toolNames, shape: shape)
                if let assistant { output.append(assistant) }
                pendingToolCallIDs = callIDs
            case .user:
                appendUser(message.content, pendingToolCallIDs: &pendingToolCallIDs, shape: shape, into: &output)
            }
        }
        closeToolCalls(&pendingToolCallIDs, answeredBy: [], shape: shape, into: &output)
        if !system.isEmpty { output.insert(["role": "system", "content": .string(system)], at: 0) }
        if options.mergeConsecutiveUsers { output = mergingConsecutiveUsers(output) }
        return options.quirks[Quirks.bridgeUserAfterTool] ? bridgingUserAfterTool(output) : output
    }

    /// An empty assistant turn between a tool result and a user message, for servers that reject the pair.
    private static func bridgingUserAfterTool(_ messages: [JSONValue]) -> [JSONValue] {
        var bridged: [JSONValue] = []
        for message in messages {
            if message["role"] == "user", bridged.last?["role"] == "tool" {
                bridged.append(["role": "assistant", "content": ""])
            }
            bridged.append(message)
        }
        return bridged
    }

    /// The message-level options, with the tool-id mapping they imply.
    private struct Shape {
        var reasoningPassback: String?
        var mistralIDs: Bool
        var sendsImages: Bool
        /// Gemini's dialect: calls go back with the thought signature they came with.
        var geminiSignatures: Bool

        init(options: ChatCompletionsOptions) {
            reasoningPassback = options.quirks[Quirks.reasoningPassback]
            mistralIDs = options.quirks[Quirks.toolIDFormat] == .mistral9
            sendsImages = options.quirks[Quirks.sendImages]
            geminiSignatures = options.quirks[Quirks.schemaDialect] == .gemini
        }

        /// Mistral's nine characters; under Gemini's dialect, Gemini's own id of a call that carried a
        /// signature; an id over OpenAI's 40 (Gemini's carry their signature) as a digest of it, the same on
        /// every request.
        func upstreamID(_ id: String) -> String {
            if mistralIDs { return MistralToolID.id(for: id) }
            if geminiSignatures, let call = GeminiCompatSignature.call(fromToolUseID: id) { return call.id }
            return id.utf8.count > 40 ? "toolu_" + SHA256.hex(id).prefix(34) : id
        }

        /// A call's `extra_content` under Gemini's dialect: its signature, or the value that skips the
        /// check on a message's first call that came without one (Gemini checks only those).
        func extraContent(forCall id: String, first: Bool) -> JSONValue? {
            guard geminiSignatures else { return nil }
            if let call = GeminiCompatSignature.call(fromToolUseID: id) { return GeminiCompatSignature.extraContent(call.signature) }
            return first ? GeminiCompatSignature.extraContent(GeminiCompatSignature.skipValidation) : nil
        }
    }

    /// Adjacent user messages as one, text joined by a blank line (strict-alternation chat templates).
    private static func mergingConsecutiveUsers(_ messages: [JSONValue]) -> [JSONValue] {
        var merged: [JSONValue] = []
        for message in messages {
            guard message["role"] == "user", let previous = merged.last, previous["role"] == "user" else {
                merged.append(message)
                continue
            }
            let parts = contentParts(previous["content"]) + contentParts(message["content"])
            let texts = parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
            let content: JSONValue = texts.count == parts.count ? .string(texts.joined(separator: "\n\n")) : .array(parts)
            merged[merged.count - 1] = ["role": "user", "content": content]
        }
        return merged
    }

    private static func contentParts(_ content: JSONValue?) -> [JSONValue] {
        switch content {
        case .string(let text): return [textPart(text)]
        case .array(let parts): return parts
        default: return []
        }
    }

    /// System texts joined with a blank line, without Claude Code's per-request attribution line, whose
    /// changing `cch=` value would defeat every upstream prefix cache.
    static func systemText(_ texts: [String]) -> String {
        texts.compactMap { text -> String? in
            let trimmed = text.drop { $0.isWhitespace }
            guard trimmed.hasPrefix("x-anthropic-billing-header:") else { return text }
            guard let newline = trimmed.firstIndex(of: "\n") else { return nil }
            return String(trimmed[trimmed.index(after: newline)...])
        }
        .filter { !$0.trimmingWhitespace().isEmpty }
        .joined(separator: "\n\n")
    }

    private static func assistantMessage(_ blocks: [ContentBlock], toolNames: ToolNameMapping, shape: Shape) -> (JSONValue?, [String]) {
        var text = ""
        var reasoning = ""
        var calls: [JSONValue] = []
        var ids: [String] = []
        for block in blocks {
            switch block {
            case .text(let fragment): text += fragment
            case .thinking(let thought, _): reasoning += thought
            case .toolUse(let id, let name, let input):
                var call: [(key: String, value: JSONValue)] = [
                    ("id", .string(shape.upstreamID(id))), ("type", "function"),
                    (
                        "function",
                        ["name": .string(toolNames.upstreamName(for: name)), "arguments": .string(ToolArguments.text(for: input))]
                    ),
                ]
                if let extra = shape.extraContent(forCall: id, first: calls.isEmpty) { call.append(("extra_content", extra)) }
                calls.append(.object(call))
                ids.append(id)
            default: continue  // thinking is not sent back by default
            }
        }
        if text.isEmpty && calls.isEmpty { return (nil, []) }
        var message: [(key: String, value: JSONValue)] = [("role", "assistant")]
        message.append(("content", text.isEmpty ? .null : .string(text)))
        // DeepSeek rejects a tool-calling turn without it, even empty.
        if let field = shape.reasoningPassback { message.append((field, .string(reasoning))) }
        if !calls.isEmpty { message.append(("tool_calls", .array(calls))) }
        return (.object(message), ids)
    }

    /// Tool results first (OpenAI requires them right after the assistant's `tool_calls`), then the
    /// turn's other content as one user message, images from tool results included.
    private static func appendUser(
        _ blocks: [ContentBlock], pendingToolCallIDs: inout [String], shape: Shape, into output: inout [JSONValue]
    ) {
        var toolMessages: [JSONValue] = []
        var answered: [String] = []
        var parts: [JSONValue] = []
        var movedImages: [JSONValue] = []
        for block in blocks {
            switch block {
            case .toolResult(let id, let content, let isError):
                guard pendingToolCallIDs.contains(id) else {
                    // Its tool call is gone (compaction): keep the content as a note instead of a 400.
                    let text = toolResultText(content, sendsImages: shape.sendsImages)
                    if !text.isEmpty { parts.append(textPart("[tool result for \(id)]\n\(text)")) }
                    continue
                }
                let images = content.compactMap { block -> JSONValue? in
                    if case .image(let source) = block, shape.sendsImages { return imagePart(source) }
                    return nil
                }
                movedImages += images
                var text = toolResultText(content, sendsImages: shape.sendsImages)
                if isError { text = "Error: " + text }
                toolMessages.append(["role": "tool", "tool_call_id": .string(shape.upstreamID(id)), "content": .string(text)])
                answered.append(id)
            default:
                if let part = userPart(block, shape: shape) { parts.append(part) }
            }
        }
        if !toolMessages.isEmpty || !pendingToolCallIDs.isEmpty {
            output.append(contentsOf: toolMessages)
            closeToolCalls(&pendingToolCallIDs, answeredBy: answered, shape: shape, into: &output)
        }
        let allParts = movedImages + parts
        guard !allParts.isEmpty else { return }
        if allParts.count == 1, let text = allParts[0]["text"]?.stringValue, allParts[0]["type"] == "text" {
            output.append(["role": "user", "content": .string(text)])
        } else {
            output.append(["role": "user", "content": .array(allParts)])
        }
    }

    /// Every tool call still unanswered gets a placeholder result, or the upstream rejects the history.
    private static func closeToolCalls(
        _ pending: inout [String], answeredBy answered: [String], shape: Shape, into output: inout [JSONValue]
    ) {
        for id in pending where !answered.contains(id) {
            output.append([
                "role": "tool", "tool_call_id": .string(shape.upstreamID(id)), "content": .string(interruptedToolResult),
            ])
        }
        pending = []
    }

    /// What an unanswered tool call gets as its result: every protocol rejects a call without one.
    static let interruptedToolResult = "[no result: the tool call was interrupted]"

    /// A tool result's content as text; images become markers (`sendsImages`: the images follow) or notices.
    static func toolResultText(_ content: [ContentBlock], sendsImages: Bool) -> String {
        var pieces: [String] = []
        var image = 0
        for block in content {
            switch block {
            case .text(let text): pieces.append(text)
            case .image:
                image += 1
                pieces.append(sendsImages ? "[image \(image) attached below]" : imageNotice)
            case .document(let source, let title): pieces.append(documentText(source, title: title))
            default: continue
            }
        }
        return pieces.joined(separator: "\n")
    }

    private static func userPart(_ block: ContentBlock, shape: Shape) -> JSONValue? {
        switch block {
        case .text(let text): return text.trimmingWhitespace().isEmpty ? nil : textPart(text)
        case .image(let source): return shape.sendsImages ? imagePart(source) : textPart(imageNotice)
        case .document(let source, let title): return textPart(documentText(source, title: title))
        default: return nil
        }
    }

    /// A document as text: its content when it is text, otherwise a notice, so the model can tell the
    /// user the file was not read instead of answering as if nothing had been attached.
    static func documentText(_ source: DocumentSource, title: String?) -> String {
        let name = title.map { " '\($0)'" } ?? ""
        switch source {
        case .text(let text): return [title, text].compactMap { $0 }.joined(separator: "\n")
        case .base64(let mediaType, _): return "[document\(name) (\(mediaType)) not shown: this model's provider cannot read it]"
        case .url(let url): return "[document\(name) at \(url) not shown: this model's provider cannot fetch it]"
        case .other(let type): return "[document\(name) (\(type) source) not shown: this model's provider cannot read it]"
        }
    }

    /// What a model whose provider takes no images sees in an image's place, so it can say it did not
    /// see one instead of answering as if nothing had been attached.
    static let imageNotice = "[image not shown: this model's provider cannot read images]"

    private static func textPart(_ text: String) -> JSONValue {
        ["type": "text", "text": .string(text)]
    }

    private static func imagePart(_ source: ImageSource) -> JSONValue {
        switch source {
        case .base64(let mediaType, let data):
            return ["type": "image_url", "image_url": ["url": .string("data:\(mediaType);base64,\(data)")]]
        case .url(let url): return ["type": "image_url", "image_url": ["url": .string(url)]]
        }
    }
}
