/// Relays an Anthropic-native upstream's events as they come: `message_start` with the client's model
/// name, thinking tokens packed (a redacted block's `data` at its start; a thinking block's signature, in
/// however many deltas it came, as one delta right before the block's end), every other event byte for
/// byte (blocks the proxy does not model included). The usage of `message_start` and `message_delta` is
/// kept for the logs. A body that ends before `message_stop` (or an upstream `error` event) was cut, and
/// fails.
struct AnthropicNativeStream: SSEAnswerStream {
    private let answer: AnthropicNativeAnswer
    var decoder = SSEDecoder()
    private var usage: TokenUsage?
    /// The signature of the open thinking block so far, by block index.
    private var signatures: [Int: String] = [:]
    /// `message_stop` or an `error` event came: nothing after it is relayed.
    private var ended = false

    init(answer: AnthropicNativeAnswer) {
        self.answer = answer
    }

    /// Nothing: the upstream's own `message_start` opens the stream.
    mutating func start(into events: inout [StreamEvent]) {}

    mutating func end(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage {
        guard ended else { throw AnthropicError(.api, "the upstream stream ended unexpectedly") }
        return answer.context.resolvedUsage(reported: usage, estimatedOutputTokens: 0)
    }

    /// Text, thinking and tool-input deltas and pings — most of a stream — go on without being parsed when
    /// the upstream named them (`event:`); the events the proxy edits or reads are parsed.
    mutating func consume(event sse: SSEEvent, into events: inout [StreamEvent]) throws(AnthropicError) {
        let payload = sse.data
        guard !ended else { return }
        if let name = sse.name, Self.passesUnread(name: name, payload: payload) {
            events.append(.encoded(name: name, data: payload))
            return
        }
        guard let event = try? JSONParser.parse(payload), let type = event["type"]?.stringValue else { return }
        switch type {
        case "message_start":
            guard case .object(var members) = event, var message = event["message"]?.objectValue else { return }
            if let index = message.firstIndex(where: { $0.key == "model" }) { message[index].value = .string(answer.clientModel) }
            if let index = members.firstIndex(where: { $0.key == "message" }) { members[index].value = .object(message) }
            usage = AnthropicNativeAnswer.tokenUsage(event["message"]?["usage"])
            events.append(.encoded(name: type, data: JSONValue.object(members).serialized()))
            return
        case "content_block_start" where event["content_block"]?["type"] == "redacted_thinking":
            guard case .object(var members) = event, let index = members.firstIndex(where: { $0.key == "content_block" }) else { break }
            members[index].value = answer.thinking.packed(block: members[index].value)
            events.append(.encoded(name: type, data: JSONValue.object(members).serialized()))
            return
        case "content_block_delta" where event["delta"]?["type"] == "signature_delta":
            guard let index = event["index"]?.intValue, let part = event["delta"]?["signature"]?.stringValue else { break }
            signatures[index, default: ""] += part
            return
        case "content_block_stop":
            if let index = event["index"]?.intValue, let signature = signatures.removeValue(forKey: index) {
                events.append(.contentBlockDelta(index: index, delta: .signature(answer.thinking.packed(signature))))
            }
        case "message_delta":
            if let delta = AnthropicNativeAnswer.tokenUsage(event["usage"]) { usage = Self.merged(delta, into: usage) }
        case "message_stop", "error":
            ended = true
        default:
            break
        }
        events.append(.encoded(name: type, data: payload))
    }

    /// Whether an event named `name` goes to the client as it came: a ping, or a delta that carries no
    /// signature (`signature_delta`s are gathered and packed).
    private static func passesUnread(name: String, payload: [UInt8]) -> Bool {
        switch name {
        case "ping": return true
        case "content_block_delta": return payload.firstRange(of: signatureDelta) == nil
        default: return false
        }
    }

    private static let signatureDelta = Array("signature_delta".utf8)

    /// `message_delta`'s usage over `message_start`'s: its counts are cumulative, and zero means not given.
    private static func merged(_ delta: TokenUsage, into start: TokenUsage?) -> TokenUsage {
        var usage = start ?? TokenUsage()
        usage.outputTokens = delta.outputTokens
        if delta.inputTokens > 0 { usage.inputTokens = delta.inputTokens }
        if delta.cacheReadInputTokens > 0 { usage.cacheReadInputTokens = delta.cacheReadInputTokens }
        if delta.cacheCreationInputTokens > 0 { usage.cacheCreationInputTokens = delta.cacheCreationInputTokens }
        return usage
    }
}
