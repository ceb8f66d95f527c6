/// An adapter for a service that speaks OpenAI's Responses API (`POST …/responses`): it says where
/// requests go, how they authenticate and what a model takes; the translation both ways is shared.
///
/// Conforming gives the adapter a `prepareCall` that builds a stateless request (`store: false`, the
/// whole conversation as `input` items, earlier reasoning sent back encrypted), reads answers and event
/// streams, and maps errors the OpenAI way. `OpenAIResponsesAdapter` and `AzureResponsesAdapter` are two.
public protocol ResponsesAdapter: ProviderAdapter {
    /// The provider's configured settings (base URL, quirks).
    var settings: ProviderSettings { get }

    /// The Responses URL for an upstream model.
    func responsesURL(model: String) -> String

    /// The authentication headers for a configured key.
    func authHeaders(apiKey: String) -> [HTTPHeader]

    /// The body rules for one model, before the provider's configured quirks are applied.
    func responsesOptions(model: String, maxTokens: Int) -> ResponsesOptions

    /// The URL that counts a Responses request's input tokens (OpenAI's `/responses/input_tokens`); nil,
    /// the default, for a service without one.
    func inputTokensURL(model: String) -> String?
}

extension ResponsesAdapter {
    /// OpenAI's rules: reasoning models are told by name (`OpenAIAdapter.isReasoningModel`).
    public func responsesOptions(model: String, maxTokens: Int) -> ResponsesOptions {
        ResponsesOptions(upstreamModel: model, maxTokens: maxTokens, isReasoningModel: OpenAIAdapter.isReasoningModel(model))
    }

    /// No count URL.
    public func inputTokensURL(model: String) -> String? { nil }

    /// The shared Responses call.
    public func prepareCall(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedCall {
        let (headers, options) = try headersAndOptions(context: context)
        let (body, toolNames) = ResponsesRequestBody.body(for: request, options: options)
        let answer = ResponsesAnswer(
            clientModel: request.model, reasoningOwner: options.reasoningOwner, upstreamModel: options.upstreamModel,
            toolNames: toolNames, context: context)
        return PreparedCall(
            request: UpstreamRequest(url: responsesURL(model: context.upstreamModel), headers: headers, body: body.serialized()),
            answer: answer
        )
    }

    /// The service's own count, where it has a count URL: the same body as the call's, with only the
    /// fields the count takes.
    public func prepareTokenCount(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedTokenCount? {
        guard let url = inputTokensURL(model: context.upstreamModel) else { return nil }
        let (headers, options) = try headersAndOptions(context: context)
        let members = ResponsesRequestBody.body(for: request, options: options).body.objectValue ?? []
        let body = JSONValue.object(members.filter { ResponsesRequestBody.countedFields.contains($0.key) })
        return PreparedTokenCount(request: UpstreamRequest(url: url, headers: headers, body: body.serialized()))
    }

    private func headersAndOptions(context: CallContext) throws(AnthropicError) -> ([HTTPHeader], ResponsesOptions) {
        var headers = [HTTPHeader("content-type", "application/json")]
        if let key = context.apiKey { headers += authHeaders(apiKey: key) }
        var options = settings.quirks.applied(to: responsesOptions(model: context.upstreamModel, maxTokens: context.maxTokens))
        options.reasoningOwner = settings.signatureOwner(apiKey: context.apiKey)
        return (headers, options)
    }
}

/// What the adapter and the provider's quirks decide about one Responses body.
public struct ResponsesOptions: Sendable {
    /// The `model` field (Azure: the deployment).
    public var upstreamModel: String
    /// The output limit to send as `max_output_tokens` (at least 16, the API's minimum).
    public var maxTokens: Int
    /// A reasoning model (gpt-5, o-series): it takes `reasoning` and rejects `temperature` and `top_p`.
    public var isReasoningModel: Bool
    /// Send `prompt_cache_key` from Claude Code's session, so one session's requests reach the same cache.
    public var sendPromptCacheKey = true
    /// The provider's configured quirks, read where each is used.
    package var quirks = ProviderQuirks()
    /// Who can read the reasoning items this call sends back and receives (`PackedSignature.owner`).
    package var reasoningOwner = ""

    /// The options for one model; change what your service needs.
    public init(upstreamModel: String, maxTokens: Int, isReasoningModel: Bool) {
        self.upstreamModel = upstreamModel
        self.maxTokens = maxTokens
        self.isReasoningModel = isReasoningModel
    }

    /// Whether `reasoning` is sent when the client asks for thinking: a reasoning model, unless the
    /// provider's `reasoning_effort` quirk says otherwise.
    var sendsReasoning: Bool { quirks[Quirks.reasoningEffort] ?? isReasoningModel }
}

extension ProviderQuirks {
    /// The adapter's options with the provider's quirks attached.
    package func applied(to options: ResponsesOptions) -> ResponsesOptions {
        var options = options
        options.quirks = self
        return options
    }
}
