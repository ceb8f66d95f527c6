import ClaudeCodeProxyKit

/// Cohere's v2 Chat API (`type: cohere`): `POST {base_url}/v2/chat` with Bearer auth.
///
/// Cohere is not chat-completions compatible (its own message shapes, answer and stream events), so the
/// adapter owns the whole call: this file builds the request, `CohereAnswer` reads complete answers and
/// errors, `CohereStream` translates the stream.
public struct CohereAdapter: ProviderAdapter {
    /// `type: cohere` in config.yaml.
    public static let kind = "cohere"
    /// The provider's configured settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// `options: { thinking: true | false }` in the provider's config section; `check` and `serve` refuse
    /// any other key or value there, at its line.
    public static let options: [AdapterOption]? = [thinking]
    static let thinking = AdapterOption.flag("thinking")

    /// Whether `thinking` is sent: the `thinking` option decides; without it, only to Cohere's reasoning
    /// models (`command-a-reasoning-…`), since other models are not documented to accept the field and
    /// Claude Code sends thinking settings whatever the model.
    func sendsThinking(to model: String) -> Bool {
        settings.option(Self.thinking)?.boolValue ?? model.lowercased().contains("reasoning")
    }

    /// The Cohere call for one Claude Code request, and the reader of its answer.
    public func prepareCall(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedCall {
        var headers = [HTTPHeader("content-type", "application/json")]
        if let key = context.apiKey {
            headers.append(HTTPHeader("authorization", "Bearer \(key)"))
        }
        let body = CohereRequest.body(for: request, context: context, sendsThinking: sendsThinking(to: context.upstreamModel))
        let answer = CohereAnswer(clientModel: request.model, stopSequences: request.stopSequences, context: context)
        return PreparedCall(
            request: UpstreamRequest(url: settings.url(appending: "/v2/chat"), headers: headers, body: body.serialized()),
            answer: answer
        )
    }
}

/// The `/v2/chat` body for an Anthropic request.
enum CohereRequest {
    static func body(for request: MessagesRequest, context: CallContext, sendsThinking: Bool) -> JSONValue {
        var body: [(key: String, value: JSONValue)] = [
            ("model", .string(context.upstreamModel)),
            ("messages", .array(messages(for: request))),
        ]
        var tools = request.tools.filter { !$0.isServerTool }
        if let choice = request.toolChoice, !tools.isEmpty {
            switch choice.kind {
            case .auto:
                break
            case .any:
                body.append(("tool_choice", "REQUIRED"))
            case .tool:
                // Cohere cannot name the tool to call: offering only that one and requiring a call does.
                let named = tools.filter { $0.name == choice.name }
                if !named.isEmpty { tools = named }
                body.append(("tool_choice", "REQUIRED"))
            case .none:
                body.append(("tool_choice", "NONE"))
            }
        }
        if !tools.isEmpty {
            // Ahead of tool_choice, as Cohere's own examples order them.
            let position = body.firstIndex { $0.key == "tool_choice" } ?? body.count
            body.insert(("tools", .array(tools.map(tool))), at: position)
        }
        body.append(("max_tokens", .integer(Int64(context.maxTokens))))
        if let temperature = request.temperature { body.append(("temperature", .double(temperature))) }
        // Cohere takes p in 0.01…0.99 and k in 0…500; Anthropic allows 0…1 and any k.
        if let topP = request.topP { body.append(("p", .double(min(max(topP, 0.01), 0.99)))) }
        if let topK = request.topK { body.append(("k", .integer(Int64(min(max(topK, 0), 500))))) }
        if !request.stopSequences.isEmpty { body.append(("stop_sequences", .array(request.stopSequences.map(JSONValue.string)))) }
        if sendsThinking, let thinking = thinking(request.thinking, context: context) { body.append(("thinking", thinking)) }
        body.append(("stream", .bool(request.stream)))
        return .object(body)
    }

    /// Cohere's `thinking`. Reasoning models think unless told not to, so only an explicit setting is
    /// passed on.
    private static func thinking(_ setting: ThinkingSetting?, context: CallContext) -> JSONValue? {
        switch setting {
        case .enabled(let budget) where budget > 0:
            return ["type": "enabled", "token_budget": .integer(Int64(min(budget, max(context.maxTokens - 1, 1))))]
        case .disabled:
            return ["type": "disabled"]
        default:
            return nil
        }
    }

    private static func tool(_ tool: ToolDefinition) -> JSONValue {
        var function: [(key: String, value: JSONValue)] = [("name", .string(tool.name))]
        if let description = tool.description, !description.isEmpty { function.append(("description", .string(description))) }
        function.append(("parameters", tool.inputSchema ?? ["type": "object", "properties": [:]]))
        return ["type": "function", "function": .object(function)]
    }

    /// The system prompt first (mid-conversation system entries joined into it: Cohere has one system
    /// message), then the turns. Each `tool_result` becomes a `tool` message ahead of its turn's text.
    static func messages(for request: MessagesRequest) -> [JSONValue] {
        var messages: [JSONValue] = []
        let midConversation = request.messages.filter { $0.role == .system }.flatMap { texts(in: $0.content) }
        let system = (request.system + midConversation).filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty { messages.append(["role": "system", "content": .string(system)]) }
        for message in request.messages {
            switch message.role {
            case .system: continue
            case .user: appendUser(message.content, to: &messages)
            case .assistant: appendAssistant(message.content, to: &messages)
            }
        }
        return messages
    }

    private static func appendUser(_ blocks: [ContentBlock], to messages: inout [JSONValue]) {
        var parts: [JSONValue] = []
        for block in blocks {
            switch block {
            case .toolResult(let id, let content, let isError):
                var text = texts(in: content).joined(separator: "\n")
                if text.isEmpty { text = "(no output)" }
                if isError { text = "Error: " + text }
                messages.append(["role": "tool", "tool_call_id": .string(id), "content": .string(text)])
            case .image(let source):
                let url: String
                switch source {
                case .base64(let mediaType, let data): url = "data:\(mediaType);base64,\(data)"
                case .url(let address): url = address
                }
                parts.append(["type": "image_url", "image_url": ["url": .string(url)]])
            default:
                for text in texts(in: [block]) where !text.isEmpty { parts.append(["type": "text", "text": .string(text)]) }
            }
        }
        guard !parts.isEmpty else { return }
        if parts.count == 1, let text = parts[0]["text"] {
            messages.append(["role": "user", "content": text])
        } else {
            messages.append(["role": "user", "content": .array(parts)])
        }
    }

    /// Text goes in `content`, or in `tool_plan` when the turn calls tools (where Cohere itself puts the
    /// words before a call). Earlier thinking is not sent back.
    private static func appendAssistant(_ blocks: [ContentBlock], to messages: inout [JSONValue]) {
        let text = texts(in: blocks).filter { !$0.isEmpty }.joined(separator: "\n\n")
        var calls: [JSONValue] = []
        for case .toolUse(let id, let name, let input) in blocks {
            let function: JSONValue = ["name": .string(name), "arguments": .string(input.serializedString())]
            calls.append(["id": .string(id), "type": "function", "function": function])
        }
        if !calls.isEmpty {
            var message: [(key: String, value: JSONValue)] = [("role", "assistant")]
            if !text.isEmpty { message.append(("tool_plan", .string(text))) }
            message.append(("tool_calls", .array(calls)))
            messages.append(.object(message))
        } else if !text.isEmpty {
            messages.append(["role": "assistant", "content": .string(text)])
        }
    }

    /// The text of text blocks and text documents; other blocks have none.
    private static func texts(in blocks: [ContentBlock]) -> [String] {
        blocks.compactMap { block in
            switch block {
            case .text(let text): return text
            case .document(.text(let text), _): return text
            default: return nil
            }
        }
    }
}
