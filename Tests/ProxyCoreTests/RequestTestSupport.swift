import Testing

@testable import ProxyCore

/// Anthropic request JSON → the upstream OpenAI body, through the same two steps the server takes.
enum RequestHarness {
    static let defaultOptions = ChatCompletionsOptions(upstreamModel: "gpt-4o", maxTokens: 1024)

    static func translate(
        _ json: String, options: ChatCompletionsOptions = defaultOptions
    ) throws -> (body: JSONValue, toolNames: ToolNameMapping) {
        let request = try MessagesRequest(json: JSONParser.parse(json))
        return RequestTranslator.body(for: request, options: options)
    }

    static func body(_ json: String, options: ChatCompletionsOptions = defaultOptions) throws -> JSONValue {
        try translate(json, options: options).body
    }

    /// The upstream `messages` of a request with these Anthropic `messages` (and optional extra members).
    static func messages(_ messagesJSON: String, extra: String = "") throws -> [JSONValue] {
        let json = #"{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":"# + messagesJSON + extra + "}"
        return try body(json)["messages"]?.arrayValue ?? []
    }

    static func roles(_ messages: [JSONValue]) -> [String] {
        messages.map { $0["role"]?.stringValue ?? "?" }
    }
}

/// What a chat-completions adapter's call sends, the way the server gets it (`prepareCall`).
extension ChatCompletionsAdapter {
    func upstreamRequest(for request: MessagesRequest, model: String, maxTokens: Int = 1024) throws(AnthropicError) -> UpstreamRequest {
        let context = CallContext(provider: settings.name, apiKey: settings.apiKey, upstreamModel: model, maxTokens: maxTokens)
        return try prepareCall(for: request, context: context).request
    }

    /// The body for `request` sent to `model`, as JSON.
    func upstreamBody(for request: MessagesRequest, model: String, maxTokens: Int = 1024) throws -> JSONValue {
        try JSONParser.parse(upstreamRequest(for: request, model: model, maxTokens: maxTokens).body)
    }

    /// The headers of a minimal request.
    func upstreamHeaders() throws(AnthropicError) -> [HTTPHeader] {
        try upstreamRequest(for: MessagesRequest(model: "m", messages: [InputMessage(role: .user, content: [.text("hi")])]), model: "m")
            .headers
    }
}
