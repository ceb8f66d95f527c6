/// An adapter for a service that speaks OpenAI's `/chat/completions`: it says where requests go, how
/// they authenticate and which body fields a model takes; the translation both ways is shared.
///
/// Conforming gives the adapter a `prepareCall` that builds the body with `RequestTranslator`, reads
/// answers and streams with the shared chat-completions translators, and maps errors the OpenAI way.
public protocol ChatCompletionsAdapter: ProviderAdapter {
    /// The provider's configured settings (base URL, quirks).
    var settings: ProviderSettings { get }

    /// The chat-completions URL for an upstream model.
    func chatCompletionsURL(model: String) -> String

    /// The authentication headers for a configured key.
    func authHeaders(apiKey: String) -> [HTTPHeader]

    /// The body rules for one model, before the provider's configured quirks are applied.
    func requestOptions(model: String, maxTokens: Int) -> ChatCompletionsOptions
}

extension ChatCompletionsAdapter {
    /// A plain OpenAI-compatible body.
    public func requestOptions(model: String, maxTokens: Int) -> ChatCompletionsOptions {
        ChatCompletionsOptions(upstreamModel: model, maxTokens: maxTokens)
    }

    /// The shared chat-completions call.
    public func prepareCall(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedCall {
        var headers = [HTTPHeader("content-type", "application/json")]
        if let key = context.apiKey { headers += authHeaders(apiKey: key) }
        let options = settings.quirks.applied(to: requestOptions(model: context.upstreamModel, maxTokens: context.maxTokens))
        let (body, toolNames) = RequestTranslator.body(for: request, options: options)
        let answer = ChatCompletionsAnswer(
            clientModel: request.model, stopSequences: request.stopSequences, toolNames: toolNames, quirks: settings.quirks,
            usage: ChatCompletionsUsage(context: context, trustsPromptCount: options.trustsPromptCount)
        )
        return PreparedCall(
            request: UpstreamRequest(url: chatCompletionsURL(model: context.upstreamModel), headers: headers, body: body.serialized()),
            answer: answer
        )
    }
}
