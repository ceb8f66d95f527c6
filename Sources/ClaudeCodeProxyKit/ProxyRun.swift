import CurlHTTP
import Hummingbird
import Logging
import ProxyCore
import ProxyServer
import ProxyStore
import UnixSignals

/// The server with its upstream client and config reloader, as `serve` and `ClaudeCodeProxy.serve` run it.
struct ProxyRun {
    let live: LiveSettings
    let loader: SettingsLoader
    let onListening: @Sendable (Int) async -> Void

    init(
        settings: ProxySettings, loader: SettingsLoader, registry: AdapterRegistry, onListening: @escaping @Sendable (Int) async -> Void
    ) throws(AnthropicError) {
        self.live = try LiveSettings(settings: settings, registry: registry)
        self.loader = loader
        self.onListening = onListening
    }

    /// Serves until one of `signals` (graceful shutdown) or the task's cancellation.
    func run(signals: [UnixSignal], logger: Logger) async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let loader = loader
        let reloader = ConfigReloader(live: live, watchedFile: loader.configPath, logger: logger) { try loader.load().settings }
        let settings = live.settings
        let metrics = ProxyMetrics()
        let gateway = settings.store.map { store in
            GatewayState(
                settings: store, store: GatewayStore(settings: store, logger: logger), live: live, metrics: metrics,
                shutdownGracePeriod: settings.server.shutdownGracePeriod, logger: logger)
        }
        let application = ProxyApplication.make(
            live: live, client: client, version: ClaudeCodeProxy.version, logger: logger, services: [reloader], metrics: metrics,
            gateway: gateway, onServerRunning: onListening
        )
        try await application.runService(gracefulShutdownSignals: signals)
    }
}
