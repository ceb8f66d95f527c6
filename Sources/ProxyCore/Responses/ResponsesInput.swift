/// Anthropic `messages` → Responses `input` items (docs/responses-api.md §6.1, §6.4).
///
/// The API checks the history's shape, so the walk keeps it valid: every `function_call` has a
/// `function_call_output` (a placeholder when Claude Code lost the result), a result whose call is gone
/// becomes text, and a reasoning item is sent only right before the item it produced (the answer text or
/// tool call that followed its thinking block), only to the account and model that wrote it.
enum ResponsesInput {
    static func items(for request: MessagesRequest, toolNames: ToolNameMapping, options: ResponsesOptions) -> [JSONValue] {
        var walk = Walk(toolNames: toolNames, options: options)
        for message in request.messages {
            switch message.role {
            case .system:
                walk.closeToolCalls()
                let text = message.content.compactMap { if case .text(let text) = $0 { return text } else { return nil } }.joined(
                    separator: "\n")
                if !text.isEmpty { walk.items.append(Self.message(role: "developer", parts: [Self.inputText(text)])) }
            case .assistant:
                walk.closeToolCalls()
                walk.appendAssistant(message.content)
            case .user:
                walk.appendUser(message.content)
            }
        }
        walk.closeToolCalls()
        return walk.items
    }

    private struct Walk {
        let toolNames: ToolNameMapping
        let options: ResponsesOptions
        var items: [JSONValue] = []
        /// The calls of the last assistant turn that have no output yet.
        var pendingCallIDs: [String] = []

        init(toolNames: ToolNameMapping, options: ResponsesOptions) {
            self.toolNames = toolNames
            self.options = options
        }

        var sendsImages: Bool { options.quirks[Quirks.sendImages] }

        /// Text as `message` items, tool calls as `function_call`s, each thinking block that carries this
        /// model's reasoning item right before what followed it.
        mutating func appendAssistant(_ blocks: [ContentBlock]) {
            var text = ""
            var reasoning: JSONValue?
            func flushText(into items: inout [JSONValue]) {
                guard !text.isEmpty else { return }
                items.append(ResponsesInput.message(role: "assistant", parts: [["type": "output_text", "text": .string(text)]]))
                text = ""
            }
            for block in blocks {
                switch block {
                case .text(let fragment):
                    guard !fragment.isEmpty else { continue }
                    if let item = reasoning {
                        flushText(into: &items)
                        items.append(item)
                        reasoning = nil
                    }
                    text += fragment
                case .thinking(let thought, let signature):
                    flushText(into: &items)
                    reasoning = PackedSignature.payload(
                        of: signature, kind: .responsesReasoning, owner: options.reasoningOwner, model: options.upstreamModel
                    ).map { ResponsesInput.reasoningItem(summary: thought, encryptedContent: $0) }
                case .toolUse(let id, let name, let input):
                    flushText(into: &items)
                    if let item = reasoning { items.append(item) }
                    reasoning = nil
                    items.append([
                        "type": "function_call", "call_id": .string(id), "name": .string(toolNames.upstreamName(for: name)),
                        "arguments": .string(ToolArguments.text(for: input)),
                    ])
                    pendingCallIDs.append(id)
                default:
                    continue  // redacted thinking and unknown blocks mean nothing to this API
                }
            }
            flushText(into: &items)
        }

        /// Tool results first, as `function_call_output`s, then the turn's other content as one message.
        mutating func appendUser(_ blocks: [ContentBlock]) {
            var parts: [JSONValue] = []
            var answered: [String] = []
            for block in blocks {
                switch block {
                case .toolResult(let id, let content, let isError):
                    guard pendingCallIDs.contains(id), !answered.contains(id) else {
                        // Its tool call is gone (compaction): keep the content as a note instead of a 400.
                        let text = MessageWalk.toolResultText(content, sendsImages: false)
                        if !text.isEmpty { parts.append(ResponsesInput.inputText("[tool result for \(id)]\n\(text)")) }
                        continue
                    }
                    items.append(["type": "function_call_output", "call_id": .string(id), "output": output(content, isError: isError)])
                    answered.append(id)
                default:
                    if let part = userPart(block) { parts.append(part) }
                }
            }
            if !answered.isEmpty || !pendingCallIDs.isEmpty {
                pendingCallIDs.removeAll { answered.contains($0) }
                closeToolCalls()
            }
            if !parts.isEmpty { items.append(ResponsesInput.message(role: "user", parts: parts)) }
        }

        /// Every call still unanswered gets a placeholder output, or the API rejects the history.
        mutating func closeToolCalls() {
            for id in pendingCallIDs {
                items.append(["type": "function_call_output", "call_id": .string(id), "output": .string(MessageWalk.interruptedToolResult)])
            }
            pendingCallIDs = []
        }

        /// A string when the result is text only; a list of parts when it holds images the provider reads.
        private func output(_ content: [ContentBlock], isError: Bool) -> JSONValue {
            var text = MessageWalk.toolResultText(content, sendsImages: sendsImages)
            if isError { text = "Error: " + text }
            let images = content.compactMap { block -> JSONValue? in
                if case .image(let source) = block, sendsImages { return ResponsesInput.inputImage(source) }
                return nil
            }
            return images.isEmpty ? .string(text) : .array([ResponsesInput.inputText(text)] + images)
        }

        private func userPart(_ block: ContentBlock) -> JSONValue? {
            switch block {
            case .text(let text): return text.trimmingWhitespace().isEmpty ? nil : ResponsesInput.inputText(text)
            case .image(let source):
                return sendsImages ? ResponsesInput.inputImage(source) : ResponsesInput.inputText(MessageWalk.imageNotice)
            case .document(.base64(let mediaType, let data), let title) where mediaType == "application/pdf":
                return [
                    "type": "input_file", "filename": .string(title ?? "document.pdf"),
                    "file_data": .string("data:\(mediaType);base64,\(data)"),
                ]
            case .document(.url(let url), _): return ["type": "input_file", "file_url": .string(url)]
            case .document(let source, let title): return ResponsesInput.inputText(MessageWalk.documentText(source, title: title))
            default: return nil
            }
        }
    }

    private static func message(role: String, parts: [JSONValue]) -> JSONValue {
        ["type": "message", "role": .string(role), "content": .array(parts)]
    }

    private static func inputText(_ text: String) -> JSONValue {
        ["type": "input_text", "text": .string(text)]
    }

    private static func inputImage(_ source: ImageSource) -> JSONValue {
        switch source {
        case .base64(let mediaType, let data):
            return ["type": "input_image", "image_url": .string("data:\(mediaType);base64,\(data)"), "detail": "auto"]
        case .url(let url): return ["type": "input_image", "image_url": .string(url), "detail": "auto"]
        }
    }

    /// The thinking text goes back as the summary it came from (empty when the client cleared it).
    private static func reasoningItem(summary: String, encryptedContent: String) -> JSONValue {
        let parts: [JSONValue] = summary.isEmpty ? [] : [["type": "summary_text", "text": .string(summary)]]
        return ["type": "reasoning", "summary": .array(parts), "encrypted_content": .string(encryptedContent)]
    }
}
