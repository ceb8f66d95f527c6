import CurlHTTP
import Hummingbird
import Logging
import NIOCore
import ProxyCore

/// The proxy's HTTP application: routes, middleware and the shared upstream client, ready to run.
package enum ProxyApplication {
    /// - Parameters:
    ///   - onServerRunning: called with the bound port once the server listens (tests bind port 0).
    package static func make(
        settings: ProxySettings,
        client: CurlHTTPClient,
        version: String,
        logger: Logger,
        registry: [String: any ProviderAdapter.Type] = ProviderRegistry.builtIn,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(AnthropicError) -> some ApplicationProtocol {
        let routes = try ProviderRoutes(settings: settings, registry: registry)
        let router = Router(context: ProxyRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AnthropicErrorMiddleware(redactor: routes.redactor))
        router.add(middleware: ClientAuthMiddleware(keys: settings.server.apiKeys))
        InfoRoutes(settings: settings, version: version).register(with: router)
        MessagesRoutes(routes: routes, client: client).register(with: router)
        ModelsRoutes(catalog: routes.catalog).register(with: router)
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ClientHangupHandler()])),
            configuration: .init(address: .hostname(settings.server.host, port: settings.server.port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.server.port) },
            logger: logger
        )
    }
}
