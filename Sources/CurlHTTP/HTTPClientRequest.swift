/// One HTTP exchange to perform: everything `CurlHTTPClient.execute` needs, as a plain value.
package struct HTTPClientRequest: Sendable {
    /// "GET", "POST", "HEAD", or any other token; sent as given.
    package var method: String
    /// Absolute http:// or https:// URL.
    package var url: String
    /// Sent in order; curl's own `Expect` header is always suppressed.
    package var headers: [(name: String, value: String)]
    /// Sent with a Content-Length; empty means no body (except for POST, which sends an empty one).
    package var body: [UInt8]
    package var timeouts: HTTPClientTimeouts
    /// The most bytes one read from the connection takes (libcurl's receive buffer, kept for the whole
    /// transfer); nil: libcurl's 16 KB. A long stream of small events needs far less.
    package var receiveBufferSize: Int?

    package init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeouts: HTTPClientTimeouts = .init(),
        receiveBufferSize: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.receiveBufferSize = receiveBufferSize
    }
}
