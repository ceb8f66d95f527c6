/// An upstream call that counts a request's input tokens: built by an adapter whose service counts them
/// exactly, sent by the proxy to answer `POST /v1/messages/count_tokens` with the upstream's own count.
public struct PreparedTokenCount: Sendable {
    /// What to send.
    public var request: UpstreamRequest
    /// Reads the count from the service's 2xx answer; nil when the answer holds none (the proxy then
    /// answers with its estimate).
    public var inputTokens: @Sendable ([UInt8]) -> Int?

    /// A count call; by default its answer is read as `{"input_tokens": N}`, as Anthropic's
    /// `/v1/messages/count_tokens` and the Responses API's `/responses/input_tokens` answer.
    public init(request: UpstreamRequest, inputTokens: @escaping @Sendable ([UInt8]) -> Int? = Self.topLevelInputTokens) {
        self.request = request
        self.inputTokens = inputTokens
    }

    /// The non-negative integer `input_tokens` at the top of a JSON object.
    public static func topLevelInputTokens(_ body: [UInt8]) -> Int? {
        guard let count = (try? JSONParser.parse(body))?["input_tokens"]?.intValue, count >= 0 else { return nil }
        return count
    }
}
