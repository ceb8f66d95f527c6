/// Reads a Responses API answer: a response object, an event stream, or an OpenAI-family error.
///
/// A class: the proxy holds it for as long as a response lasts, and its frames then keep one pointer.
final class ResponsesAnswer: UpstreamAnswer {
    let clientModel: String
    /// The account and the model that write the reasoning items, which only they can read back.
    let reasoningOwner: String
    let upstreamModel: String
    let toolNames: ToolNameMapping
    let context: CallContext
    /// The provider's name, for error messages.
    var provider: String { context.provider }

    init(clientModel: String, reasoningOwner: String, upstreamModel: String, toolNames: ToolNameMapping, context: CallContext) {
        self.clientModel = clientModel
        self.reasoningOwner = reasoningOwner
        self.upstreamModel = upstreamModel
        self.toolNames = toolNames
        self.context = context
    }

    func message(from body: [UInt8]) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        let response = try UpstreamErrorMapping.answerObject(body, provider: provider)
        if let failure = ResponsesOutput.failure(of: response) { throw failure }
        var message = ResponsesOutput.message(from: response, answer: self)
        let usage = context.resolvedUsage(
            reported: ResponsesOutput.usage(response["usage"]), estimatedOutputTokens: message.estimatedOutputTokens)
        message.usage = usage.usage
        return (message, usage)
    }

    func makeStream(messageID: String) -> any AnswerStream {
        ResponsesStream(answer: self, messageID: messageID)
    }

    /// The signature of a thinking block showing a reasoning item: the item packed, when it came
    /// encrypted; the proxy's plain signature otherwise (nothing to send back).
    func signature(encryptedContent: String?) -> String {
        guard let encryptedContent, !encryptedContent.isEmpty else { return ThinkingSignature.proxySignature }
        return PackedSignature(kind: .responsesReasoning, owner: reasoningOwner, model: upstreamModel, payload: encryptedContent).signature
    }
}

/// The parts of a Responses answer that streamed and complete answers share (docs/responses-api.md §6.2).
enum ResponsesOutput {
    /// A complete response object's output items as a message.
    static func message(from response: JSONValue, answer: ResponsesAnswer) -> AnthropicMessage {
        var blocks: [AnthropicMessage.Block] = []
        var refused = false
        for item in response["output"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue {
            case "reasoning":
                let text = reasoningText(of: item)
                let encrypted = item["encrypted_content"]?.stringValue
                if !text.isEmpty || encrypted != nil {
                    blocks.append(.thinking(text: text, signature: answer.signature(encryptedContent: encrypted)))
                }
            case "message":
                for part in item["content"]?.arrayValue ?? [] {
                    if let text = part["text"]?.stringValue, part["type"] == "output_text", !text.isEmpty { blocks.append(.text(text)) }
                    if let refusal = part["refusal"]?.stringValue, part["type"] == "refusal" {
                        blocks.append(.text(refusal))
                        refused = true
                    }
                }
            case "function_call":
                guard let name = item["name"]?.stringValue, !name.isEmpty else { continue }
                // Cut by the output limit: half a call would run a tool with made-up input.
                if response["status"] == "incomplete", (try? JSONParser.parse(item["arguments"]?.stringValue ?? "")) == nil { continue }
                blocks.append(
                    .toolUse(
                        id: ToolCallID.normalized(item["call_id"]?.stringValue ?? item["id"]?.stringValue),
                        name: answer.toolNames.clientName(for: name), input: ToolArguments.object(from: item["arguments"])))
            default:
                continue  // built-in tools' items (web search, code interpreter) are not requested
            }
        }
        let sawToolUse = blocks.contains { if case .toolUse = $0 { return true } else { return false } }
        let stopReason = self.stopReason(of: response, sawToolUse: sawToolUse, refused: refused)
        if response["incomplete_details"]?["reason"] == "content_filter" { blocks.append(.text(StopReason.contentFilterNotice)) }
        return AnthropicMessage(
            id: AnthropicID.make(prefix: "msg_"), model: answer.clientModel, content: blocks, stopReason: stopReason, usage: TokenUsage())
    }

    /// A reasoning item's summary texts joined by a blank line; its raw reasoning text when it has no summary.
    static func reasoningText(of item: JSONValue) -> String {
        let summary = (item["summary"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.filter { !$0.isEmpty }
        if !summary.isEmpty { return summary.joined(separator: "\n\n") }
        return (item["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }

    /// `incomplete` is `max_tokens` (or `refusal` for a content filter); a finished turn with tool calls
    /// is `tool_use`. There is no stop parameter, so never `stop_sequence`.
    static func stopReason(of response: JSONValue, sawToolUse: Bool, refused: Bool) -> StopReason {
        if response["status"] == "incomplete" {
            return response["incomplete_details"]?["reason"] == "content_filter" ? .refusal : .maxTokens
        }
        if refused { return .refusal }
        return sawToolUse ? .toolUse : .endTurn
    }

    /// The error of a response that failed or was cancelled; nil for one that has an answer.
    static func failure(of response: JSONValue) -> AnthropicError? {
        switch response["status"]?.stringValue {
        case "failed", "cancelled": return error(response["error"] ?? .null)
        default:
            guard let error = response["error"], error.objectValue != nil else { return nil }
            return self.error(error)
        }
    }

    /// An error reported after the upstream's 200 (`response.failed`'s `error`, an `error` event): its
    /// code decides the type; a context overflow is worded the way Claude Code compacts on.
    static func error(_ error: JSONValue) -> AnthropicError {
        let message = error["message"]?.stringValue ?? "the upstream response failed"
        let code = error["code"]?.stringValue ?? ""
        let type: AnthropicErrorType
        switch code {
        case "rate_limit_exceeded": type = .rateLimit
        case "insufficient_quota": type = .billing
        case "context_length_exceeded": type = .invalidRequest
        default: type = code.hasPrefix("invalid_") || code.hasPrefix("image_") ? .invalidRequest : .api
        }
        var text = "upstream error: \(message)" + (code.isEmpty ? "" : " (\(code))")
        if type == .invalidRequest, let rewritten = ContextOverflow.anthropicMessage(for: message + " " + code) {
            text = "\(rewritten) (\(text))"
        }
        return AnthropicError(type, text)
    }

    /// Responses usage → Anthropic usage: cache reads and writes are counted inside `input_tokens`;
    /// reasoning tokens inside `output_tokens`. nil when the upstream sent none.
    static func usage(_ usage: JSONValue?) -> TokenUsage? {
        guard let usage, usage.objectValue != nil else { return nil }
        let details = usage["input_tokens_details"]
        let cacheRead = details?["cached_tokens"]?.intValue ?? 0
        let cacheWrite = details?["cache_write_tokens"]?.intValue ?? 0
        return TokenUsage(
            inputTokens: max((usage["input_tokens"]?.intValue ?? 0) - cacheRead - cacheWrite, 0),
            outputTokens: usage["output_tokens"]?.intValue ?? 0,
            cacheCreationInputTokens: cacheWrite, cacheReadInputTokens: cacheRead
        )
    }
}
