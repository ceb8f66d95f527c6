import CurlHTTP
import ProxyCore

extension HTTPClientRequest {
    /// A request as libcurl sends it: the provider's configured `headers` after the request's own (none for
    /// a request that goes to no provider, a token endpoint's), and the server's upstream timeouts (to
    /// connect, to the first byte, between bytes).
    init(_ request: UpstreamRequest, provider: ProviderSettings?, server: ServerSettings, receiveBufferSize: Int? = nil) {
        self.init(
            method: request.method, url: request.url,
            headers: (request.headers + (provider?.headers ?? [])).map { (name: $0.name, value: $0.value) }, body: request.body,
            timeouts: HTTPClientTimeouts(connect: server.connectTimeout, firstByte: server.upstreamTimeout, idle: server.upstreamTimeout),
            receiveBufferSize: receiveBufferSize)
    }
}
