import Testing

@testable import ProxyCore

/// Anthropic request JSON → the upstream OpenAI body, through the same two steps the server takes.
enum RequestHarness {
    static let defaultOptions = RequestTranslator.Options(upstreamModel: "gpt-4o", maxTokens: 1024)

    static func translate(_ json: String, options: RequestTranslator.Options = defaultOptions) throws -> (body: JSONValue, toolNames: ToolNameMapping) {
        let request = try MessagesRequest(json: JSONParser.parse(json))
        return RequestTranslator.body(for: request, options: options)
    }

    static func body(_ json: String, options: RequestTranslator.Options = defaultOptions) throws -> JSONValue {
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
