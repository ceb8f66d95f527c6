/// The code that speaks to one kind of upstream service, plugged into the proxy by its `kind`.
///
/// An adapter owns the whole provider call as pure code with no I/O: `prepareCall` builds the upstream
/// request (URL, headers, body) from the client's Anthropic request, together with the `UpstreamAnswer`
/// that reads what comes back (a complete body, a stream, an error). The proxy does the rest: HTTP in and
/// out, sending, fallbacks, cancellation, SSE writing, logs. Register an adapter in an `AdapterRegistry`
/// and `type: KIND` in config.yaml selects it.
public protocol ProviderAdapter: Sendable {
    /// The `type:` that selects this adapter in config.yaml.
    static var kind: String { get }

    /// The keys the adapter reads from its provider's `options:`; config.yaml is checked against them at
    /// load (an unknown key or a wrong value is an error at its line). nil, the default: the adapter takes
    /// any options, unchecked.
    static var options: [AdapterOption]? { get }

    /// Whether the service refuses requests without a key (local servers do not): the proxy then fails a
    /// request it has no key for before calling `prepareCall`. A provider's `api_key_required` overrides it.
    static var requiresAPIKey: Bool { get }

    /// Whether the service reads `max_tokens` as Anthropic's Messages API does. Then no built-in output
    /// cap applies (Claude Code's values are made for it) and a `max_tokens` of 0 — warm the prompt cache,
    /// generate nothing — is sent as is; otherwise the proxy answers such a request itself, with no
    /// generation. Translating adapters leave it false.
    static var takesAnthropicMaxTokens: Bool { get }

    /// Builds the adapter for one configured provider, once per config load (not per request, and not per
    /// key: a call's key comes in its `CallContext`). Keep what the calls need of the settings.
    init(settings: ProviderSettings)

    /// The upstream call for one client request: what to send, and how to read the answer.
    ///
    /// The proxy adds the provider's configured `headers` to the request and sends it. Throw an
    /// `AnthropicError` when the request cannot be sent to this provider (a field it cannot take): the
    /// proxy then tries the route's next fallback, if there is one.
    func prepareCall(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedCall

    /// The call that counts the request's input tokens exactly, for a service that can
    /// (`POST /v1/messages/count_tokens` is then answered with its count); nil, the default, and the proxy
    /// answers with its own estimate — as it does when the count call fails.
    func prepareTokenCount(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedTokenCount?
}

extension ProviderAdapter {
    /// Options unchecked.
    public static var options: [AdapterOption]? { nil }

    /// Most hosted services need a key.
    public static var requiresAPIKey: Bool { true }

    /// Most services speak another API, with output caps of their own.
    public static var takesAnthropicMaxTokens: Bool { false }

    /// Most services have no way to count a prompt without running it.
    public func prepareTokenCount(for request: MessagesRequest, context: CallContext) throws(AnthropicError) -> PreparedTokenCount? {
        nil
    }
}
