/// Reads one upstream call's answer into what the client sees.
///
/// Built by the adapter together with the request, so it knows what was asked: the client's model name
/// (which answers echo), stop sequences, tool names, the usage estimate. Held for as long as the
/// response lasts, so it keeps only that, not the client's request.
public protocol UpstreamAnswer: Sendable {
    /// The client's error for an upstream answer whose status is not 2xx; nil, the default, for the usual
    /// mapping (`UpstreamErrorMapping.error`: Anthropic-, OpenAI-, Google-shaped and plain bodies, rate
    /// limits, context overflows).
    ///
    /// - Parameters:
    ///   - headers: the upstream's response headers, names lowercased (`retry-after` is the one that matters).
    ///   - body: the first 64 KB of the upstream's error body.
    func error(status: Int, headers: [HTTPHeader], body: [UInt8]) -> AnthropicError?

    /// A complete (non-streaming) upstream answer as the client's message, with its final usage.
    /// Throws when the body is not an answer (the client gets a 502 naming the provider).
    func message(from body: [UInt8]) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage)

    /// A fresh reader of the upstream's stream; `messageID` is the id `message_start` must carry.
    func makeStream(messageID: String) -> any AnswerStream

    /// The response body for a complete answer, and its usage. By default `message(from:)`'s message as
    /// JSON; an adapter whose upstream already answers in Anthropic's shape passes its body on instead.
    func responseBody(from body: [UInt8]) throws(AnthropicError) -> (body: [UInt8], usage: ResolvedUsage)
}

extension UpstreamAnswer {
    /// The usual mapping.
    public func error(status: Int, headers: [HTTPHeader], body: [UInt8]) -> AnthropicError? { nil }

    /// `message(from:)`'s message as JSON.
    public func responseBody(from body: [UInt8]) throws(AnthropicError) -> (body: [UInt8], usage: ResolvedUsage) {
        let (message, usage) = try message(from: body)
        return (message.json.serialized(), usage)
    }
}

/// Turns one upstream stream into Anthropic stream events as its bytes arrive.
///
/// Whatever the upstream does, the events must follow Anthropic's grammar: one `message_start`, content
/// blocks with increasing indexes (one open at a time, deltas matching their block), one `message_delta`
/// with the final usage, `message_stop`. A failure is thrown; the proxy then sends the events already
/// produced and an `error` event.
public protocol AnswerStream {
    /// The opening events: `message_start` (with the prompt estimate as its usage), usually a `ping`.
    mutating func start(into events: inout [StreamEvent])

    /// Consumes the body's bytes as they arrive, split anywhere, and appends the events they complete.
    mutating func feed(_ bytes: [UInt8], into events: inout [StreamEvent]) throws(AnthropicError)

    /// The upstream's body ended: appends the closing events and returns the usage to log. Throws when
    /// the stream ended before the answer was complete.
    mutating func finish(into events: inout [StreamEvent]) throws(AnthropicError) -> ResolvedUsage
}
