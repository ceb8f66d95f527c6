/// Reads an Anthropic-native upstream's answer: its body or events are already the client's, but for the
/// model name, which becomes the one the client asked for, and the thinking tokens, packed with who made
/// them (`NativeThinking`); usage is read for the logs.
final class AnthropicNativeAnswer: UpstreamAnswer {
    let clientModel: String
    let context: CallContext
    let thinking: NativeThinking
    /// The provider's name, for error messages.
    var provider: String { context.provider }

    init(clientModel: String, context: CallContext, thinking: NativeThinking) {
        self.clientModel = clientModel
        self.context = context
        self.thinking = thinking
    }

    func message(from body: [UInt8]) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        let json = try UpstreamErrorMapping.answerObject(body, provider: provider)
        var message = AnthropicMessage(
            id: json["id"]?.stringValue ?? AnthropicID.make(prefix: "msg_"), model: clientModel,
            content: (json["content"]?.arrayValue ?? []).map(thinking.packed(block:)).compactMap(Self.block),
            stopReason: json["stop_reason"]?.stringValue.flatMap(StopReason.init(rawValue:)) ?? .endTurn,
            stopSequence: json["stop_sequence"]?.stringValue, usage: TokenUsage()
        )
        let resolved = context.resolvedUsage(reported: Self.tokenUsage(json["usage"]), estimatedOutputTokens: message.estimatedOutputTokens)
        message.usage = resolved.usage
        return (message, resolved)
    }

    func responseBody(from body: [UInt8]) throws(AnthropicError) -> (body: [UInt8], usage: ResolvedUsage) {
        guard let editor = JSONObjectEditor(body) else { throw UpstreamErrorMapping.notJSON(provider: provider) }
        let reported = editor.valueText(of: "usage").flatMap { try? JSONParser.parse($0) }
        let usage = context.resolvedUsage(reported: Self.tokenUsage(reported), estimatedOutputTokens: 0)
        var replacing: [String: JSONValue] = ["model": .string(clientModel)]
        if let content = editor.valueText(of: "content"), content.firstRange(of: Array("thinking".utf8)) != nil,
            let parsed = try? JSONParser.parse(content),
            let packed = thinking.packed(content: parsed)
        {
            replacing["content"] = packed
        }
        return (editor.edited(replacing: replacing), usage)
    }

    func makeStream(messageID: String) -> any AnswerStream {
        AnthropicNativeStream(answer: self)
    }

    /// The usage object of an Anthropic body or `message_start`/`message_delta` event.
    static func tokenUsage(_ usage: JSONValue?) -> TokenUsage? {
        guard let usage, usage.objectValue != nil else { return nil }
        return TokenUsage(
            inputTokens: usage["input_tokens"]?.intValue ?? 0, outputTokens: usage["output_tokens"]?.intValue ?? 0,
            cacheCreationInputTokens: usage["cache_creation_input_tokens"]?.intValue ?? 0,
            cacheReadInputTokens: usage["cache_read_input_tokens"]?.intValue ?? 0
        )
    }

    /// The blocks the typed message models; used only to replay a complete answer as a stream.
    private static func block(_ json: JSONValue) -> AnthropicMessage.Block? {
        switch json["type"]?.stringValue {
        case "text": return json["text"]?.stringValue.map(AnthropicMessage.Block.text)
        case "thinking":
            return .thinking(text: json["thinking"]?.stringValue ?? "", signature: json["signature"]?.stringValue ?? "")
        case "tool_use":
            guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue else { return nil }
            return .toolUse(id: id, name: name, input: json["input"] ?? [:])
        default: return nil
        }
    }
}
