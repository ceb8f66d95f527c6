/// An error that knows the Anthropic error the client should see for it.
///
/// The proxy renders every failure through this: as an HTTP response (status, headers, JSON body)
/// before a response started, as an SSE `error` event after.
public protocol AnthropicErrorRepresentable: Error {
    /// The error as the client sees it.
    var anthropicError: AnthropicError { get }
}

extension AnthropicError: AnthropicErrorRepresentable {
    /// Itself.
    public var anthropicError: AnthropicError { self }
}
