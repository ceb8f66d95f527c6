import ProxyCore

/// The `generateContent` body for an Anthropic request: `systemInstruction`, `contents` (user and model
/// turns of parts), `tools`, `toolConfig`, `generationConfig`.
enum GeminiRequest {
    /// Gemini takes at most five stop sequences.
    static let maximumStopSequences = 5

    static func body(for request: MessagesRequest, context: CallContext, signatures: GeminiSignatures) -> JSONValue {
        var body: [(key: String, value: JSONValue)] = []
        if let system = systemInstruction(for: request) { body.append(("systemInstruction", system)) }
        body.append(("contents", .array(GeminiContents(signatures: signatures).contents(for: request.messages))))
        let functions = request.tools.filter { !$0.isServerTool }
        if !functions.isEmpty {
            body.append(("tools", [["functionDeclarations": .array(functions.map(declaration))]]))
            if let config = functionCallingConfig(request.toolChoice) { body.append(("toolConfig", ["functionCallingConfig": config])) }
        }
        body.append(("generationConfig", generationConfig(for: request, context: context)))
        return .object(body)
    }

    /// The system prompt, with system entries from the middle of the conversation (Gemini has one).
    private static func systemInstruction(for request: MessagesRequest) -> JSONValue? {
        let midConversation = request.messages.filter { $0.role == .system }.flatMap { message in
            message.content.compactMap { block -> String? in
                if case .text(let text) = block { return text }
                return nil
            }
        }
        let text = (request.system + midConversation).filter { !$0.isEmpty }.joined(separator: "\n\n")
        return text.isEmpty ? nil : ["parts": [["text": .string(text)]]]
    }

    private static func declaration(_ tool: ToolDefinition) -> JSONValue {
        var function: [(key: String, value: JSONValue)] = [("name", .string(tool.name))]
        if let description = tool.description, !description.isEmpty { function.append(("description", .string(description))) }
        // A tool without parameters goes without `parameters`: Gemini refuses an object with no properties.
        if let schema = tool.inputSchema, schema["properties"]?.objectValue?.isEmpty == false {
            function.append(("parameters", GeminiSchema.cleaned(schema)))
        }
        return .object(function)
    }

    /// `auto` → AUTO, `any` → ANY, a named tool → ANY limited to it, `none` → NONE.
    private static func functionCallingConfig(_ choice: ToolChoice?) -> JSONValue? {
        guard let choice else { return nil }
        switch choice.kind {
        case .auto: return ["mode": "AUTO"]
        case .any: return ["mode": "ANY"]
        case .none: return ["mode": "NONE"]
        case .tool:
            guard let name = choice.name else { return ["mode": "ANY"] }
            return ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
        }
    }

    private static func generationConfig(for request: MessagesRequest, context: CallContext) -> JSONValue {
        var config: [(key: String, value: JSONValue)] = [("maxOutputTokens", .integer(Int64(context.maxTokens)))]
        if let temperature = request.temperature { config.append(("temperature", .double(temperature))) }
        if let topP = request.topP { config.append(("topP", .double(topP))) }
        if let topK = request.topK { config.append(("topK", .integer(Int64(topK)))) }
        if !request.stopSequences.isEmpty {
            config.append(("stopSequences", .array(request.stopSequences.prefix(maximumStopSequences).map(JSONValue.string))))
        }
        if let schema = request.outputSchema {
            config.append(("responseMimeType", "application/json"))
            config.append(("responseJsonSchema", schema))
        }
        if let thinking = thinkingConfig(for: request, model: context.upstreamModel) { config.append(("thinkingConfig", thinking)) }
        return .object(config)
    }

    /// Thinking asked for: thoughts included, at a level (Gemini 3: a budget up to 2048 tokens is `low`,
    /// a larger one `high`; adaptive thinking follows `effort`, the model's default without one) or a
    /// budget (Gemini 2.5: as asked; adaptive is its dynamic budget, -1). No thinking asked for: the
    /// model's default, since some Gemini models cannot turn thinking off.
    private static func thinkingConfig(for request: MessagesRequest, model: String) -> JSONValue? {
        let byLevel = GeminiModelName.thinksByLevel(model)
        var config: [(key: String, value: JSONValue)] = [("includeThoughts", true)]
        switch request.thinking {
        case .enabled(let budget):
            config.append(byLevel ? ("thinkingLevel", budget <= 2048 ? "low" : "high") : ("thinkingBudget", .integer(Int64(budget))))
        case .adaptive:
            if !byLevel {
                config.append(("thinkingBudget", -1))
            } else if let level = level(forEffort: request.effort) {
                config.append(("thinkingLevel", .string(level)))
            }
        case .disabled, nil:
            return nil
        }
        return .object(config)
    }

    private static func level(forEffort effort: String?) -> String? {
        switch effort {
        case "low": return "low"
        case "high", "xhigh", "max": return "high"
        default: return nil
        }
    }
}

/// The conversation as Gemini `contents`: user turns (text, images, documents, function responses) and
/// model turns (text, thoughts, function calls, each with the signature it came with).
struct GeminiContents {
    let signatures: GeminiSignatures

    /// A call of the conversation, read once from its `tool_use`: its function, and what its id carries
    /// for this account and model.
    private struct Call {
        var name: String
        var signature: String?
        var callID: String?
    }

    func contents(for messages: [InputMessage]) -> [JSONValue] {
        let calls = calls(in: messages)
        // The current turn starts at the last user message that is more than function responses: Gemini
        // checks the signatures of the function calls after it.
        let turnStart = messages.lastIndex { message in
            message.role == .user && message.content.contains { if case .toolResult = $0 { false } else { true } }
        }
        var contents: [(role: String, parts: [JSONValue])] = []
        for (index, message) in messages.enumerated() {
            let role: String
            let parts: [JSONValue]
            switch message.role {
            case .system:
                continue
            case .user:
                role = "user"
                parts = userParts(message.content, calls: calls)
            case .assistant:
                role = "model"
                parts = modelParts(message.content, calls: calls, inCurrentTurn: index > (turnStart ?? -1))
            }
            guard !parts.isEmpty else { continue }
            // Gemini wants turns to alternate: adjacent ones of a role become one.
            if contents.last?.role == role {
                contents[contents.count - 1].parts += parts
            } else {
                contents.append((role, parts))
            }
        }
        return contents.map { ["role": .string($0.role), "parts": .array($0.parts)] }
    }

    /// The calls by `tool_use` id: a function response names its call's function and id.
    private func calls(in messages: [InputMessage]) -> [String: Call] {
        var calls: [String: Call] = [:]
        for message in messages where message.role == .assistant {
            for case .toolUse(let id, let name, _) in message.content {
                let (signature, callID) = signatures.call(fromToolUseID: id)
                calls[id] = Call(name: name, signature: signature, callID: callID)
            }
        }
        return calls
    }

    private func userParts(_ blocks: [ContentBlock], calls: [String: Call]) -> [JSONValue] {
        var responses: [JSONValue] = []
        var parts: [JSONValue] = []
        for block in blocks {
            switch block {
            case .toolResult(let id, let content, let isError):
                var response: [(key: String, value: JSONValue)] = []
                if let callID = calls[id]?.callID { response.append(("id", .string(callID))) }
                response.append(("name", .string(calls[id]?.name ?? "unknown_function")))
                var text = content.compactMap(Self.text).joined(separator: "\n")
                if text.isEmpty, content.isEmpty { text = "(no output)" }
                response.append(("response", [isError ? "error" : "output": .string(text)]))
                responses.append(["functionResponse": .object(response)])
                // The result's images follow the responses, as parts of the same turn.
                parts += content.compactMap { if case .image = $0 { return Self.media($0) } else { return nil } }
            default:
                if let part = Self.text(block).map({ JSONValue.object([("text", .string($0))]) }) ?? Self.media(block) {
                    parts.append(part)
                }
            }
        }
        // Gemini pairs a turn's function responses with the calls before it, so they come first.
        return responses + parts.filter { $0["text"] != "" }
    }

    private func modelParts(_ blocks: [ContentBlock], calls: [String: Call], inCurrentTurn: Bool) -> [JSONValue] {
        var parts: [JSONValue] = []
        var signedFirstCall = false
        for block in blocks {
            switch block {
            case .text(let text) where !text.isEmpty:
                parts.append(["text": .string(text)])
            case .thinking(let text, let signature):
                guard let token = signatures.token(ofThinkingSignature: signature) else { continue }
                parts.append(["text": .string(text), "thought": true, "thoughtSignature": .string(token)])
            case .toolUse(let id, let name, let input):
                let (signature, callID) = (calls[id]?.signature, calls[id]?.callID)
                var call: [(key: String, value: JSONValue)] = []
                if let callID { call.append(("id", .string(callID))) }
                call.append(("name", .string(name)))
                call.append(("args", input.objectValue != nil ? input : ["input": input]))
                var part: [(key: String, value: JSONValue)] = [("functionCall", .object(call))]
                // The first call of a step must carry a signature in the current turn; one this model did
                // not make gets the value that skips the check.
                if let signature {
                    part.append(("thoughtSignature", .string(signature)))
                } else if inCurrentTurn, !signedFirstCall {
                    part.append(("thoughtSignature", .string(GeminiCompatSignature.skipValidation)))
                }
                signedFirstCall = true
                parts.append(.object(part))
            default:
                continue
            }
        }
        return parts
    }

    /// The text of a text block or a text document (titled, when it has a title).
    private static func text(_ block: ContentBlock) -> String? {
        switch block {
        case .text(let text): return text
        case .document(.text(let text), let title): return title.map { "\($0)\n\n\(text)" } ?? text
        default: return nil
        }
    }

    /// An image or a PDF: inline when its bytes came, by URI when a URL did.
    private static func media(_ block: ContentBlock) -> JSONValue? {
        switch block {
        case .image(.base64(let mediaType, let data)), .document(.base64(let mediaType, let data), _):
            return ["inlineData": ["mimeType": .string(mediaType), "data": .string(data)]]
        case .image(.url(let url)):
            return ["fileData": ["fileUri": .string(url)]]
        case .document(.url(let url), _):
            return ["fileData": ["mimeType": "application/pdf", "fileUri": .string(url)]]
        default:
            return nil
        }
    }
}
