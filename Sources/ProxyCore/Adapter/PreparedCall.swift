/// One upstream call, ready to send: built by an adapter, sent by the proxy.
public struct PreparedCall: Sendable {
    /// What to send. The proxy releases it once sent; only `answer` lives as long as the response.
    public var request: UpstreamRequest
    /// Reads whatever the upstream answers to `request`.
    public var answer: any UpstreamAnswer

    /// Pairs a request with the reader of its answer.
    public init(request: UpstreamRequest, answer: any UpstreamAnswer) {
        self.request = request
        self.answer = answer
    }
}

/// An HTTP request to a provider, as a plain value: the proxy sends it with libcurl.
public struct UpstreamRequest: Sendable {
    /// The HTTP method; "POST" for every generation API the proxy speaks to.
    public var method: String
    /// The absolute `http://` or `https://` URL.
    public var url: String
    /// Sent in order, before the provider's configured `headers`.
    public var headers: [HTTPHeader]
    /// The request body, sent with a `Content-Length`.
    public var body: [UInt8]

    /// A request; `method` defaults to POST.
    public init(method: String = "POST", url: String, headers: [HTTPHeader], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}
