/// A service that speaks Anthropic's Messages API itself (Anthropic, and the Anthropic endpoints of
/// DeepSeek, Moonshot, Z.AI, MiniMax, Ollama, llama.cpp's server, vLLM): the client's body goes on as it
/// came, with only what the proxy must change changed, so thinking signatures, cache control and every
/// field the proxy does not model survive.
///
/// Changed: `model` (the route's), `max_tokens` (the proxy's limits), a thinking budget that no longer
/// fits under it, fields and blocks the provider's quirks name (`drop_fields`, `drop_blocks`,
/// `adaptive_thinking: budget`, `system_messages: user`), thinking blocks another target made (dropped;
/// this service's own get their original signature back: `NativeThinking`); the `anthropic-beta` header
/// is passed on unless `anthropic_beta: drop`. Auth by `x-api-key`, or `Authorization: Bearer` with
/// `auth: bearer`.
public struct AnthropicAdapter: ProviderAdapter {
    /// `type: anthropic`.
    public static let kind = "anthropic"
    /// The provider's settings.
    public let settings: ProviderSettings

    /// Anthropic's `max_tokens`, 0 included, is this service's own.
    public static var takesAnthropicMaxTokens: Bool { true }

    /// The version sent when the client sent none.
    static let defaultVersion = "2023-06-01"

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// The client's request, edited as little as the route and the provider need.
    public func prepareCall(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedCall {
        let thinking = NativeThinking(owner: settings.signatureOwner(apiKey: context.apiKey), model: context.upstreamModel)
        let answer = AnthropicNativeAnswer(clientModel: request.model, context: context, thinking: thinking)
        return PreparedCall(
            request: UpstreamRequest(
                url: settings.url(underV1: "/messages"), headers: headers(for: request, key: context.apiKey),
                body: try body(for: request, context: context, thinking: thinking)),
            answer: answer
        )
    }

    /// The service's own count (`/v1/messages/count_tokens`): the client's body with the route's model, the
    /// provider's `drop_fields` and what only a generation takes left out.
    public func prepareTokenCount(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedTokenCount? {
        guard let editor = JSONObjectEditor(request.body) else { return nil }
        let removing = Set(settings.quirks[Quirks.dropFields]).union(Self.generationOnlyFields)
        let body = editor.edited(replacing: ["model": .string(context.upstreamModel)], removing: removing)
        let headers = headers(for: request, key: context.apiKey)
        return PreparedTokenCount(
            request: UpstreamRequest(url: settings.url(underV1: "/messages/count_tokens"), headers: headers, body: body))
    }

    /// Fields of a Messages request that `count_tokens` refuses.
    static let generationOnlyFields: Set = [
        "max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences", "metadata", "service_tier",
    ]

    /// Content type, the key, and the client's `anthropic-version` (or the default) and `anthropic-beta`.
    private func headers(for request: MessagesRequest, key: String?) -> [HTTPHeader] {
        var headers = [HTTPHeader("content-type", "application/json")]
        if let key {
            headers.append(settings.bearerAuth ? HTTPHeader("authorization", "Bearer \(key)") : HTTPHeader("x-api-key", key))
        }
        let version = request.anthropicHeaders.first { $0.name == "anthropic-version" }?.value ?? Self.defaultVersion
        headers.append(HTTPHeader("anthropic-version", version))
        if settings.quirks[Quirks.anthropicBeta], let beta = request.anthropicHeaders.first(where: { $0.name == "anthropic-beta" }) {
            headers.append(beta)
        }
        return headers
    }

    private func body(for request: MessagesRequest, context: CallContext, thinking: NativeThinking) throws(AnthropicError) -> [UInt8] {
        guard let editor = JSONObjectEditor(request.body) else {
            throw AnthropicError(.api, "provider '\(settings.name)' passes the client's body on, and this request has none")
        }
        var replacing: [String: JSONValue] = ["model": .string(context.upstreamModel)]
        var removing = Set(settings.quirks[Quirks.dropFields])
        if request.maxTokens != context.maxTokens { replacing["max_tokens"] = .integer(Int64(context.maxTokens)) }
        let budget =
            thinking.mustDisableThinking(request) ? ThinkingBudget.none : thinkingBudget(request.thinking, maxTokens: context.maxTokens)
        switch budget {
        case .unchanged: break
        case .budget(let tokens):
            var thinking = editor.valueText(of: "thinking").flatMap { try? JSONParser.parse($0) }?.objectValue ?? []
            thinking.removeAll { $0.key == "type" || $0.key == "budget_tokens" }
            replacing["thinking"] = .object([("type", "enabled"), ("budget_tokens", .integer(Int64(tokens)))] + thinking)
        case .none:
            removing.insert("thinking")
            // Clearing thinking is an edit of thinking's own: the service refuses it without thinking.
            if editor.valueText(of: "context_management")?.firstRange(of: Array("clear_thinking".utf8)) != nil {
                removing.insert("context_management")
            }
        }
        let dropBlocks = Set(settings.quirks[Quirks.dropBlocks])
        let systemAsUser = settings.quirks[Quirks.systemMessages]
        let editsThinking = thinking.needsEditing(request)
        if !dropBlocks.isEmpty || systemAsUser || editsThinking, let text = editor.valueText(of: "messages"),
            let messages = try? JSONParser.parse(text),
            let edited = NativeMessages.edited(
                messages, droppingBlocks: dropBlocks, systemAsUser: systemAsUser, thinking: editsThinking ? thinking : nil)
        {
            replacing["messages"] = edited
        }
        return editor.edited(replacing: replacing, removing: removing)
    }

    private enum ThinkingBudget {
        case unchanged
        case budget(Int)
        /// No thinking: the output limit leaves no room for the smallest budget, or the tool calls the
        /// request answers came without thinking this service can verify (`NativeThinking`).
        case none
    }

    /// Anthropic's API takes a thinking budget of at least 1024 tokens and below `max_tokens`. The
    /// proxy's limits may have lowered `max_tokens` under the client's budget (Claude Code asks for
    /// 31,999 of 32,000), and `adaptive_thinking: budget` turns adaptive thinking into a budget.
    private func thinkingBudget(_ thinking: ThinkingSetting?, maxTokens: Int) -> ThinkingBudget {
        let largest = maxTokens - 1
        switch thinking {
        case .enabled(let budget) where budget > largest:
            return largest >= 1024 ? .budget(largest) : .none
        case .adaptive where settings.quirks[Quirks.budgetAdaptiveThinking]:
            return largest >= 1024 ? .budget(min(largest, 16_000)) : .none
        default:
            return .unchanged
        }
    }
}
