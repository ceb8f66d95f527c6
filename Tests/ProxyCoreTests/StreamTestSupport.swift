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
            context: CallContext(upstreamModel: "gpt-4o", maxTokens: 1024, estimatedInputTokens: estimatedInput, estimatesUsage: false),
            correctUsage: { usage, _ in usage }
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
        for part in parts { decoder.feed(part) { payloads.append(String(decoding: $0, as: UTF8.self)) } }
        decoder.finish { payloads.append(String(decoding: $0, as: UTF8.self)) }
        return payloads
    }
}

/// Checks the Anthropic stream grammar of docs/translation.md §5.1 (invariants I1–I8) on an event list.
///
/// - Parameter complete: whether the stream must end with `message_delta` + `message_stop`; false for
///   the prefix emitted before a stream failed, where only I1–I5 can be checked.
/// - Returns: one line per violation; empty when the stream is valid.
enum StreamGrammar {
    static let allowedStopReasons: Set<String> = [
        "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded",
    ]

    static func violations(in events: [StreamEvent], complete: Bool = true) -> [String] {
        var problems: [String] = []
        var open: (index: Int, block: StreamEvent.BlockStart)?
        var nextIndex = 0
        var toolInput: [Int: String] = [:]
        var lastDelta: StreamEvent.Delta?
        var toolBlocks = 0
        var messageDeltas = 0
        var stopReason: StopReason?
        var stopped = false

        if events.filter({ if case .messageStart = $0 { return true } else { return false } }).count != 1 {
            problems.append("I1: expected exactly one message_start")
        }
        for (position, event) in events.enumerated() {
            if stopped {
                problems.append("I6: \(event.name) after message_stop")
                continue
            }
            switch event {
            case .messageStart:
                if position != 0 { problems.append("I1: message_start at position \(position), not first") }
            case .ping:
                if position == 0 { problems.append("I1: ping before message_start") }
            case .contentBlockStart(let index, let block):
                if messageDeltas > 0 { problems.append("I6: content_block_start \(index) after message_delta") }
                if let open { problems.append("I3: block \(index) started while block \(open.index) is still open") }
                if index != nextIndex { problems.append("I2: block index \(index), expected \(nextIndex)") }
                nextIndex = max(nextIndex, index) + 1
                open = (index, block)
                lastDelta = nil
                if case .toolUse = block {
                    toolBlocks += 1
                    toolInput[index] = ""
                }
            case .contentBlockDelta(let index, let delta):
                guard let current = open, current.index == index else {
                    problems.append("I3: delta for block \(index), which is not the open block")
                    continue
                }
                switch (current.block, delta) {
                case (.text, .text), (.thinking, .thinking), (.toolUse, .inputJSON): break
                case (.thinking, .signature): break
                default: problems.append("I4: \(delta) in a \(current.block) block \(index)")
                }
                if case .signature = lastDelta, case .thinking = current.block {
                    problems.append("§5.6: signature_delta is not the last delta of thinking block \(index)")
                }
                if case .inputJSON(let fragment) = delta { toolInput[index, default: ""] += fragment }
                lastDelta = delta
            case .contentBlockStop(let index):
                guard let current = open, current.index == index else {
                    problems.append("I3: content_block_stop for block \(index), which is not the open block")
                    continue
                }
                if case .thinking = current.block {
                    if case .signature = lastDelta {} else { problems.append("§5.6: thinking block \(index) ends without signature_delta") }
                }
                if case .toolUse = current.block, let input = toolInput[index], !input.isEmpty {
                    if case .object? = try? JSONParser.parse(input) {
                    } else {
                        problems.append("I5: tool block \(index) input \(input) is not one JSON object")
                    }
                }
                open = nil
            case .messageDelta(let reason, _, let usage):
                messageDeltas += 1
                if messageDeltas > 1 { problems.append("I6: more than one message_delta") }
                if let open { problems.append("I6: message_delta while block \(open.index) is open") }
                if usage.inputTokens < 1 { problems.append("§5.5: message_delta input_tokens \(usage.inputTokens) < 1") }
                stopReason = reason
            case .messageStop:
                if messageDeltas == 0 { problems.append("I6: message_stop without message_delta") }
                stopped = true
            case .encoded:
                problems.append("an encoded event in a translated stream")
            case .error(let type, _):
                if complete { problems.append("error event \(type) in a stream expected to complete") }
                stopped = true
            }
        }
        guard complete else { return problems }
        if !stopped { problems.append("I6: the stream does not end with message_stop") }
        if let open { problems.append("I3: block \(open.index) never stopped") }
        if let stopReason {
            if !allowedStopReasons.contains(stopReason.rawValue) { problems.append("I7: stop_reason \(stopReason.rawValue)") }
            if (stopReason == .toolUse) != (toolBlocks > 0) {
                problems.append("I8: stop_reason \(stopReason.rawValue) with \(toolBlocks) tool_use block(s)")
            }
        } else {
            problems.append("I6: no message_delta")
        }
        return problems
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
