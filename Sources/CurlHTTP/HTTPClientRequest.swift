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

    package init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeouts: HTTPClientTimeouts = .init()
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }
}
