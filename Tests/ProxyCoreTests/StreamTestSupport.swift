import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

/// Builders for OpenAI chat-completion chunks, written as the JSON text an upstream sends.
enum UpstreamChunk {
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).serializedString()
    }

    /// A chunk whose `choices[0].delta` is `deltaJSON`.
    static func delta(_ deltaJSON: String, finish: String? = nil) -> String {
        let reason = finish.map(quoted) ?? "null"
        return #"{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":"#
            + deltaJSON + #","finish_reason":"# + reason + "}]}"
    }

    static func role() -> String { delta(#"{"role":"assistant","content":""}"#) }
    static func text(_ text: String, finish: String? = nil) -> String { delta(#"{"content":"# + quoted(text) + "}", finish: finish) }
    static func reasoningContent(_ text: String) -> String { delta(#"{"reasoning_content":"# + quoted(text) + "}") }
    static func reasoning(_ text: String) -> String { delta(#"{"reasoning":"# + quoted(text) + "}") }
    static func finish(_ reason: String) -> String { delta("{}", finish: reason) }

    /// One `tool_calls` entry; nil fields are left out of the JSON.
    static func toolCall(index: Int?, id: String? = nil, name: String? = nil, arguments: String? = nil, finish: String? = nil) -> String {
        var members: [String] = []
        if let index { members.append(#""index":\#(index)"#) }
        if let id { members.append(#""id":"# + quoted(id) + #","type":"function""#) }
        var function: [String] = []
        if let name { function.append(#""name":"# + quoted(name)) }
        if let arguments { function.append(#""arguments":"# + quoted(arguments)) }
        members.append(#""function":{"# + function.joined(separator: ",") + "}")
        return delta(#"{"tool_calls":[{"# + members.joined(separator: ",") + "}]}", finish: finish)
    }

    static func usage(prompt: Int, completion: Int, cached: Int? = nil, choices: String = "[]") -> String {
        let details = cached.map { #","prompt_tokens_details":{"cached_tokens":\#($0)}"# } ?? ""
        return #"{"id":"chatcmpl-1","choices":"# + choices
            + #","usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion)"#
            + details + "}}"
    }

    /// The SSE text of `payloads`, optionally ended by `data: [DONE]`.
    static func sse(_ payloads: [String], done: Bool = true, lineEnding: String = "\n") -> [UInt8] {
        var text = ""
        for payload in payloads + (done ? ["[DONE]"] : []) {
            text += "data: " + payload + lineEnding + lineEnding
        }
        return Array(text.utf8)
    }
}

enum StreamHarness {
    static let messageID = "msg_test0000000000000000000000"
    static let clientModel = "claude-sonnet-4-5"
    static let estimatedInput = 42

    /// Feeds `bytes` (in two parts when `splitAt` is given) and finishes the stream, through the answer
    /// stream the server uses. Usage is not estimated: the run's usage is what the upstream reported.
    static func run(_ bytes: [UInt8], splitAt: Int? = nil, toolNames: ToolNameMapping = .identity) -> AnswerStreamRun {
        let answer = ChatCompletionsAnswer(
            clientModel: clientModel, stopSequences: [], toolNames: toolNames, quirks: ProviderQuirks(),
            usage: ChatCompletionsUsage(
                context: CallContext(
                    provider: "test", upstreamModel: "gpt-4o", maxTokens: 1024, estimatedInputTokens: estimatedInput, estimatesUsage: false)
            )
        )
        let parts: [ArraySlice<UInt8>] = splitAt.map { [bytes[..<$0], bytes[$0...]] } ?? [bytes[...]]
        return AnswerStreamRun(answer, messageID: messageID, parts: parts)
    }

    static func run(_ payloads: [String], done: Bool = true, toolNames: ToolNameMapping = .identity) -> AnswerStreamRun {
        run(UpstreamChunk.sse(payloads, done: done), toolNames: toolNames)
    }

    /// Every `data:` payload of `bytes`, fed in two parts when `splitAt` is given.
    static func payloads(_ bytes: [UInt8], splitAt: Int? = nil) -> [String] {
        var decoder = SSEDecoder()
        var payloads: [String] = []
        let parts: [ArraySlice<UInt8>] = splitAt.map { [bytes[..<$0], bytes[$0...]] } ?? [bytes[...]]
        for part in parts { decoder.feed(part) { payloads.append(String(decoding: $0.data, as: UTF8.self)) } }
        decoder.finish { payloads.append(String(decoding: $0.data, as: UTF8.self)) }
        return payloads
    }
}

/// JSON text with object keys sorted at every level, for comparisons that ignore key order.
func canonicalJSON(_ value: JSONValue) -> String {
    func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.map(sorted))
        case .object(let members): return .object(members.map { ($0.key, sorted($0.value)) }.sorted { $0.key < $1.key })
        default: return value
        }
    }
    return sorted(value).serializedString()
}

/// `text` parsed and canonicalised; records an issue when it is not JSON.
func canonicalJSON(_ text: String) -> String {
    do {
        return canonicalJSON(try JSONParser.parse(text))
    } catch {
        Issue.record("test JSON does not parse: \(error)")
        return ""
    }
}
