/// Reads an Anthropic-native upstream's answer: its body or events are already the client's, but for the
/// model name, which becomes the one the client asked for; usage is read for the logs.
final class AnthropicNativeAnswer: UpstreamAnswer {
    let provider: String
    let clientModel: String
    let context: CallContext

    init(provider: String, clientModel: String, context: CallContext) {
        self.provider = provider
        self.clientModel = clientModel
        self.context = context
    }

    /// An Anthropic-shaped error is passed on as it is (status, type, message, `retry-after` capped); any
    /// other body is mapped the usual way.
    func error(status: Int, headers: [HTTPHeader], body: [UInt8]) -> AnthropicError {
        let retryAfter = headers.first { $0.name == "retry-after" }?.value
        var mapped = UpstreamErrorMapping.error(status: status, body: body, retryAfter: retryAfter, provider: provider)
        if let json = try? JSONParser.parse(body), json["type"] == "error", let error = json["error"],
            let message = error["message"]?.stringValue, let type = error["type"]?.stringValue.flatMap(AnthropicErrorType.init(rawValue:))
        {
            mapped.type = type
            mapped.message = message
            // Servers that speak the API without being Anthropic word a context overflow their own way;
            // Claude Code compacts only on Anthropic's sentence.
            if type == .invalidRequest, let reworded = ContextOverflow.anthropicMessage(for: message), !message.hasPrefix(reworded) {
                mapped.message = "\(reworded) (\(message))"
            }
        }
        return mapped
    }

    func message(from body: [UInt8]) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        let json = try answerJSON(body)
        var message = AnthropicMessage(
            id: json["id"]?.stringValue ?? AnthropicID.make(prefix: "msg_"), model: clientModel,
            content: (json["content"]?.arrayValue ?? []).compactMap(Self.block),
            stopReason: json["stop_reason"]?.stringValue.flatMap(StopReason.init(rawValue:)) ?? .endTurn,
            stopSequence: json["stop_sequence"]?.stringValue, usage: TokenUsage()
        )
        let resolved = usage(of: json, estimatedOutputTokens: message.estimatedOutputTokens)
        message.usage = resolved.usage
        return (message, resolved)
    }

    func responseBody(from body: [UInt8]) throws(AnthropicError) -> (body: [UInt8], usage: ResolvedUsage) {
        let json = try answerJSON(body)
        let edited = JSONObjectEditor(body)?.edited(replacing: ["model": .string(clientModel)]) ?? body
        return (edited, usage(of: json, estimatedOutputTokens: 0))
    }

    func makeStream(messageID: String) -> any AnswerStream {
        AnthropicNativeStream(answer: self)
    }

    /// The usage an Anthropic body or `message_start`/`message_delta` event reports.
    func usage(of json: JSONValue, estimatedOutputTokens: Int) -> ResolvedUsage {
        context.resolvedUsage(reported: Self.tokenUsage(json["usage"]), estimatedOutputTokens: estimatedOutputTokens)
    }

    static func tokenUsage(_ usage: JSONValue?) -> TokenUsage? {
        guard let usage, usage.objectValue != nil else { return nil }
        return TokenUsage(
            inputTokens: usage["input_tokens"]?.intValue ?? 0, outputTokens: usage["output_tokens"]?.intValue ?? 0,
            cacheCreationInputTokens: usage["cache_creation_input_tokens"]?.intValue ?? 0,
            cacheReadInputTokens: usage["cache_read_input_tokens"]?.intValue ?? 0
        )
    }

    private func answerJSON(_ body: [UInt8]) throws(AnthropicError) -> JSONValue {
        guard let json = try? JSONParser.parse(body), json.objectValue != nil else {
            throw AnthropicError(.api, "provider '\(provider)' sent an answer that is not JSON", status: 502)
        }
        return json
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
