import ProxyCore
import Synchronization

/// The settings the proxy serves with, swappable while it runs (config reload).
///
/// Each request takes one snapshot (`routes`) at its start and keeps it to the end, so a reload never
/// changes a request half-way; the next request sees the new settings.
package final class LiveSettings: Sendable {
    private let registry: [String: any ProviderAdapter.Type]
    private let current: Mutex<ProviderRoutes>

    package init(settings: ProxySettings, registry: [String: any ProviderAdapter.Type] = ProviderRegistry.builtIn) throws(AnthropicError) {
        self.registry = registry
        self.current = Mutex(try ProviderRoutes(settings: settings, registry: registry))
    }

    /// The settings and the adapters built from them, as of now.
    var routes: ProviderRoutes { current.withLock { $0 } }

    package var settings: ProxySettings { routes.settings }

    /// Builds everything from `settings` first, then swaps: a settings value that cannot be used leaves
    /// the old one serving.
    package func replace(with settings: ProxySettings) throws(AnthropicError) {
        let routes = try ProviderRoutes(settings: settings, registry: registry)
        current.withLock { $0 = routes }
    }
}
