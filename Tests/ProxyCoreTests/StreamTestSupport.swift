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

/// What running an upstream stream through the chat-completions answer stream produced, the way the server does.
struct StreamRun {
    var events: [StreamEvent] = []
    var error: AnthropicError?
    var finalUsage: TokenUsage?

    var messageDelta: (stopReason: StopReason, usage: TokenUsage)? {
        for event in events {
            if case .messageDelta(let reason, _, let usage) = event { return (reason, usage) }
        }
        return nil
    }

    var blockStarts: [StreamEvent.BlockStart] {
        events.compactMap { if case .contentBlockStart(_, let block) = $0 { return block } else { return nil } }
    }

    /// The concatenated `input_json_delta`s of each tool block, in block order.
    var toolInputs: [String] {
        var inputs: [Int: String] = [:]
        var order: [Int] = []
        for event in events {
            switch event {
            case .contentBlockStart(let index, .toolUse):
                inputs[index] = ""
                order.append(index)
            case .contentBlockDelta(let index, .inputJSON(let json)):
                inputs[index, default: ""] += json
            default: continue
            }
        }
        return order.map { inputs[$0] ?? "" }
    }

    var text: String {
        events.compactMap { if case .contentBlockDelta(_, .text(let text)) = $0 { return text } else { return nil } }.joined()
    }

    var thinking: String {
        events.compactMap { if case .contentBlockDelta(_, .thinking(let text)) = $0 { return text } else { return nil } }.joined()
    }
}

enum StreamHarness {
    static let messageID = "msg_test0000000000000000000000"
    static let clientModel = "claude-sonnet-4-5"
    static let estimatedInput = 42

    /// Feeds `bytes` (in two parts when `splitAt` is given) and finishes the stream, through the answer
    /// stream the server uses. Usage is not estimated: `finalUsage` is what the upstream reported.
    static func run(_ bytes: [UInt8], splitAt: Int? = nil, toolNames: ToolNameMapping = .identity) -> StreamRun {
        let answer = ChatCompletionsAnswer(
            provider: "test", clientModel: clientModel, stopSequences: [], toolNames: toolNames, quirks: ProviderQuirks(),
            usage: ChatCompletionsUsage(
                context: CallContext(upstreamModel: "gpt-4o", maxTokens: 1024, estimatedInputTokens: estimatedInput, estimatesUsage: false))
        )
        var stream = answer.makeStream(messageID: messageID)
        var events: [StreamEvent] = []
        var run = StreamRun()
        stream.start(into: &events)
        let parts: [ArraySlice<UInt8>] = splitAt.map { [bytes[..<$0], bytes[$0...]] } ?? [bytes[...]]
        do {
            for part in parts { try stream.feed(Array(part), into: &events) }
            run.finalUsage = try stream.finish(into: &events).usage
        } catch {
            run.error = error
        }
        run.events = events
        return run
    }

    static func run(_ payloads: [String], done: Bool = true, toolNames: ToolNameMapping = .identity) -> StreamRun {
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
