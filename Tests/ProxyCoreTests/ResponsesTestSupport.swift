import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

/// Calls through the Responses adapters the way the server makes them, and upstream event streams
/// written as the API sends them (`event:` + `data:` lines).
enum ResponsesHarness {
    static let clientModel = "claude-sonnet-4-5"
    /// The reasoning owner of `adapter()`'s provider.
    static let owner = PackedSignature.owner(baseURL: "https://api.openai.com/v1", apiKey: "sk-test")

    /// The signature the harness's provider gives a reasoning item of `model`.
    static func signature(_ encrypted: String, model: String = "gpt-5-codex") -> String {
        PackedSignature(kind: .responsesReasoning, owner: owner, model: model, payload: encrypted).signature
    }

    static func adapter(model: String = "gpt-5-codex", quirks: [String: JSONValue] = [:]) -> OpenAIResponsesAdapter {
        OpenAIResponsesAdapter(
            settings: ProviderSettings(
                name: "resp", type: "openai-responses", baseURL: "https://api.openai.com/v1", apiKey: "sk-test",
                quirks: ProviderQuirks(quirks)))
    }

    static func call(
        _ json: String, model: String = "gpt-5-codex", maxTokens: Int = 1024, quirks: [String: JSONValue] = [:]
    ) throws -> PreparedCall {
        let request = try MessagesRequest(json: JSONParser.parse(json))
        let adapter = adapter(quirks: quirks)
        let context = CallContext(
            provider: adapter.settings.name, apiKey: adapter.settings.apiKey, upstreamModel: model, maxTokens: maxTokens,
            estimatedInputTokens: 42, estimatesUsage: false)
        return try adapter.prepareCall(for: request, context: context)
    }

    /// The upstream body for an Anthropic request body.
    static func body(
        _ json: String, model: String = "gpt-5-codex", maxTokens: Int = 1024, quirks: [String: JSONValue] = [:]
    ) throws
        -> JSONValue
    {
        try JSONParser.parse(call(json, model: model, maxTokens: maxTokens, quirks: quirks).request.body)
    }

    /// The `input` items for these Anthropic `messages`.
    static func input(_ messagesJSON: String, model: String = "gpt-5-codex") throws -> [JSONValue] {
        try body(#"{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":"# + messagesJSON + "}", model: model)["input"]?
            .arrayValue ?? []
    }

    /// Events as the API writes them: `event: TYPE` then `data: JSON`, for each payload.
    static func sse(_ events: [String]) -> [UInt8] {
        var text = ""
        for event in events {
            let type = (try? JSONParser.parse(event))?["type"]?.stringValue ?? "message"
            text += "event: \(type)\ndata: \(event)\n\n"
        }
        return Array(text.utf8)
    }

    /// Runs `bytes` (in pieces of `chunk` bytes when given) through a streaming call's answer stream.
    static func run(_ bytes: [UInt8], chunk: Int? = nil, model: String = "gpt-5-codex") -> AnswerStreamRun {
        let call = try! call(
            #"{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#, model: model)
        let size = max(chunk ?? bytes.count, 1)
        let parts = stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min($0 + size, bytes.count)] }
        return AnswerStreamRun(call.answer, messageID: StreamHarness.messageID, parts: parts)
    }

    static func run(_ events: [String], chunk: Int? = nil) -> AnswerStreamRun {
        run(sse(events), chunk: chunk)
    }
}

/// Responses API stream events, written as OpenAI sends them (docs/responses-api.md §4).
enum ResponsesEvent {
    static func quoted(_ text: String) -> String { JSONValue.string(text).serializedString() }

    static let created =
        #"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}}"#

    static func messageAdded(_ id: String, index: Int) -> String {
        #"{"type":"response.output_item.added","output_index":\#(index),"item":{"id":"\#(id)","type":"message","role":"assistant","status":"in_progress","content":[]}}"#
    }
    static func partAdded(_ id: String, index: Int) -> String {
        #"{"type":"response.content_part.added","item_id":"\#(id)","output_index":\#(index),"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}"#
    }
    static func textDelta(_ id: String, index: Int, _ text: String) -> String {
        #"{"type":"response.output_text.delta","item_id":"\#(id)","output_index":\#(index),"content_index":0,"delta":\#(quoted(text)),"logprobs":[]}"#
    }
    static func messageDone(_ id: String, index: Int, text: String) -> String {
        #"{"type":"response.output_item.done","output_index":\#(index),"item":{"id":"\#(id)","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":\#(quoted(text)),"annotations":[]}]}}"#
    }
    static func callAdded(_ id: String, index: Int, callID: String, name: String) -> String {
        #"{"type":"response.output_item.added","output_index":\#(index),"item":{"id":"\#(id)","type":"function_call","status":"in_progress","call_id":"\#(callID)","name":"\#(name)","arguments":""}}"#
    }
    static func argumentsDelta(_ id: String, index: Int, _ fragment: String) -> String {
        #"{"type":"response.function_call_arguments.delta","item_id":"\#(id)","output_index":\#(index),"delta":\#(quoted(fragment))}"#
    }
    static func argumentsDone(_ id: String, index: Int, _ arguments: String) -> String {
        #"{"type":"response.function_call_arguments.done","item_id":"\#(id)","output_index":\#(index),"arguments":\#(quoted(arguments))}"#
    }
    static func callDone(_ id: String, index: Int, callID: String, name: String, arguments: String) -> String {
        #"{"type":"response.output_item.done","output_index":\#(index),"item":{"id":"\#(id)","type":"function_call","status":"completed","call_id":"\#(callID)","name":"\#(name)","arguments":\#(quoted(arguments))}}"#
    }
    static func reasoningAdded(_ id: String, index: Int) -> String {
        #"{"type":"response.output_item.added","output_index":\#(index),"item":{"id":"\#(id)","type":"reasoning","summary":[]}}"#
    }
    static func summaryPartAdded(_ id: String, index: Int, part: Int) -> String {
        #"{"type":"response.reasoning_summary_part.added","item_id":"\#(id)","output_index":\#(index),"summary_index":\#(part),"part":{"type":"summary_text","text":""}}"#
    }
    static func summaryDelta(_ id: String, index: Int, part: Int, _ text: String) -> String {
        #"{"type":"response.reasoning_summary_text.delta","item_id":"\#(id)","output_index":\#(index),"summary_index":\#(part),"delta":\#(quoted(text))}"#
    }
    static func reasoningDone(_ id: String, index: Int, summary: [String], encrypted: String?) -> String {
        let parts = summary.map { #"{"type":"summary_text","text":\#(quoted($0))}"# }.joined(separator: ",")
        let content = encrypted.map { #","encrypted_content":\#(quoted($0))"# } ?? ""
        return
            #"{"type":"response.output_item.done","output_index":\#(index),"item":{"id":"\#(id)","type":"reasoning","summary":[\#(parts)]\#(content)}}"#
    }
    static func completed(input: Int = 812, cached: Int = 768, output: Int = 5, reasoning: Int = 0) -> String {
        #"{"type":"response.completed","response":{"id":"resp_1","object":"response","status":"completed","output":[],"usage":{"input_tokens":\#(input),"input_tokens_details":{"cached_tokens":\#(cached)},"output_tokens":\#(output),"output_tokens_details":{"reasoning_tokens":\#(reasoning)},"total_tokens":\#(input + output)}}}"#
    }
    static func incomplete(reason: String) -> String {
        #"{"type":"response.incomplete","response":{"id":"resp_1","object":"response","status":"incomplete","incomplete_details":{"reason":"\#(reason)"},"output":[],"usage":{"input_tokens":10,"output_tokens":16,"total_tokens":26}}}"#
    }

    /// (a) of docs/responses-api.md §4: a text answer.
    static let textAnswer = [
        created, messageAdded("msg_1", index: 0), partAdded("msg_1", index: 0), textDelta("msg_1", index: 0, "Hi"),
        textDelta("msg_1", index: 0, " there."), messageDone("msg_1", index: 0, text: "Hi there."), completed(),
    ]
}

extension AnswerStreamRun {
    /// The signature of each thinking block, in order.
    var signatures: [String] {
        events.compactMap { if case .contentBlockDelta(_, .signature(let signature)) = $0 { return signature } else { return nil } }
    }
}
