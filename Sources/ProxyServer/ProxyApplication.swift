import CurlHTTP
import Hummingbird
import Logging
import NIOCore
import ProxyCore
import ServiceLifecycle

/// The proxy's HTTP application: endpoints, middleware and the shared upstream client, ready to run.
package enum ProxyApplication {
    /// - Parameters:
    ///   - services: run alongside the server and stopped with it (the config reloader).
    ///   - connections: tracks the open client connections (tests read it).
    ///   - metrics: what `GET /metrics` shows (tests read it).
    ///   - gateway: with a store, what replicas share (managed keys, limits, the ledger, cooldowns); its
    ///     services run before `services` and stop after the server.
    ///   - onServerRunning: called with the bound port once the server listens (tests bind port 0).
    package static func make(
        live: LiveSettings,
        client: CurlHTTPClient,
        version: String,
        logger: Logger,
        services: [any Service] = [],
        connections: ConnectionRegistry = ConnectionRegistry(),
        metrics: ProxyMetrics = ProxyMetrics(),
        gateway: GatewayState? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: ProxyRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(live: live, metrics: metrics, gateway: gateway))
        router.add(middleware: AnthropicErrorMiddleware(live: live))
        router.add(middleware: ClientAuthMiddleware(live: live, gateway: gateway))
        InfoEndpoints(live: live, version: version, gateway: gateway).register(with: router)
        MessagesEndpoints(live: live, client: client, connections: connections, metrics: metrics, gateway: gateway).register(with: router)
        ModelsEndpoints(live: live).register(with: router)
        MetricsEndpoint(live: live, metrics: metrics).register(with: router)
        AdminEndpoints(live: live, gateway: gateway).register(with: router)
        metrics.observeCooldowns { live.cooldowns.activeCount }
        let server = live.settings.server
        return Application(
            router: router,
            server: .http1(
                configuration: .init(additionalChannelHandlers: [
                    ReceiveBufferPolicy(), ClientHangupHandler(registry: connections, limit: server.maxConnections),
                    ClientDeadlinesHandler(timeouts: server.clientTimeouts, shutdownGracePeriod: server.shutdownGracePeriod),
                ])),
            configuration: .init(address: .hostname(server.host, port: server.port), serverName: nil),
            services: (gateway?.services ?? []) + services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? server.port) },
            logger: logger
        )
    }
}
