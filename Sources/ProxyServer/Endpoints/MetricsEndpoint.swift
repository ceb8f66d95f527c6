import Hummingbird
import NIOCore
import ProxyCore

/// `GET /metrics`: the proxy's metrics in Prometheus' text format, for a Prometheus server to scrape.
/// `server.metrics` decides whether it is served and whether it takes a client key.
struct MetricsEndpoint: Sendable {
    let live: LiveSettings
    let metrics: ProxyMetrics

    func register(with router: Router<ProxyRequestContext>) {
        router.get("/metrics") { _, _ in
            guard self.live.settings.server.metrics != .off else { throw AnthropicError.notFound("no route for GET /metrics") }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.exposition())))
        }
    }
}
