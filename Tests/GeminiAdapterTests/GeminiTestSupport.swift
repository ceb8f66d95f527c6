import GeminiAdapter
import ProxyCore
import Testing

/// A Gemini provider's adapter and what its calls send and read, through `prepareCall` as the proxy calls it.
struct GeminiHarness {
    var adapter: GeminiAdapter
    var model: String
    var key: String

    init(model: String = "gemini-3-pro-preview", key: String = "test-key", baseURL: String = "https://generativelanguage.googleapis.com") {
        adapter = GeminiAdapter(settings: ProviderSettings(name: "gemini", type: "gemini", baseURL: baseURL, apiKey: key))
        self.model = model
        self.key = key
    }

    var context: CallContext {
        CallContext(provider: "gemini", apiKey: key, upstreamModel: model, maxTokens: 1024, estimatedInputTokens: 7, estimatesUsage: false)
    }

    func call(_ json: String) throws -> PreparedCall {
        try adapter.prepareCall(for: MessagesRequest(json: JSONParser.parse(json)), context: context)
    }

    func call(_ request: MessagesRequest) throws -> PreparedCall {
        try adapter.prepareCall(for: request, context: context)
    }

    func body(_ json: String) throws -> JSONValue {
        try JSONParser.parse(call(json).request.body)
    }

    func body(_ request: MessagesRequest) throws -> JSONValue {
        try JSONParser.parse(call(request).request.body)
    }

    /// A request of `messages` (JSON), with extra top-level members.
    static func request(_ messages: String, extra: String = "") -> String {
        #"{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":"# + messages + extra + "}"
    }

    /// The message a complete Gemini answer becomes, for a request of `messages`.
    func message(answering body: String, to request: String = request(#"[{"role":"user","content":"hi"}]"#)) throws -> AnthropicMessage {
        try call(request).answer.message(from: Array(body.utf8)).message
    }
}

/// Gemini answers, written as the JSON the API sends.
enum GeminiWire {
    static func response(parts: [String], finish: String? = "STOP", usage: String? = usage(prompt: 10, output: 5)) -> String {
        let finishField = finish.map { #","finishReason":"\#($0)""# } ?? ""
        let usageField = usage.map { #","usageMetadata":\#($0)"# } ?? ""
        return #"{"candidates":[{"content":{"role":"model","parts":["# + parts.joined(separator: ",") + #"]}"# + finishField
            + #","index":0}]"# + usageField + #","modelVersion":"gemini-3-pro-preview","responseId":"r1"}"#
    }

    static func usage(prompt: Int, output: Int, thoughts: Int? = nil, cached: Int? = nil) -> String {
        var fields = [#""promptTokenCount":\#(prompt)"#, #""candidatesTokenCount":\#(output)"#]
        if let thoughts { fields.append(#""thoughtsTokenCount":\#(thoughts)"#) }
        if let cached { fields.append(#""cachedContentTokenCount":\#(cached)"#) }
        fields.append(#""totalTokenCount":\#(prompt + output + (thoughts ?? 0))"#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func text(_ text: String, signature: String? = nil) -> String {
        #"{"text":\#(quoted(text))"# + (signature.map { #","thoughtSignature":"\#($0)""# } ?? "") + "}"
    }

    static func thought(_ text: String, signature: String? = nil) -> String {
        #"{"text":\#(quoted(text)),"thought":true"# + (signature.map { #","thoughtSignature":"\#($0)""# } ?? "") + "}"
    }

    static func call(_ name: String, args: String = "{}", signature: String? = nil) -> String {
        #"{"functionCall":{"name":"\#(name)","args":\#(args)}"# + (signature.map { #","thoughtSignature":"\#($0)""# } ?? "") + "}"
    }

    static func sse(_ chunks: [String]) -> [UInt8] {
        Array(chunks.map { "data: \($0)\r\n\r\n" }.joined().utf8)
    }

    static func quoted(_ text: String) -> String { JSONValue.string(text).serializedString() }
}

extension AnthropicMessage {
    /// The message as the client's next request gives it back: an assistant message of its blocks.
    var asInput: InputMessage {
        InputMessage(
            role: .assistant,
            content: content.map { block in
                switch block {
                case .text(let text): .text(text)
                case .thinking(let text, let signature): .thinking(text: text, signature: signature)
                case .toolUse(let id, let name, let input): .toolUse(id: id, name: name, input: input)
                }
            })
    }

    var toolUseIDs: [String] {
        content.compactMap { if case .toolUse(let id, _, _) = $0 { id } else { nil } }
    }
}
