import ProxyCore

/// The configured providers with their adapters built once at start-up.
struct ProviderRoutes: Sendable {
    let settings: ProxySettings
    private let adapters: [String: any ProviderAdapter]

    init(settings: ProxySettings, registry: [String: any ProviderAdapter.Type] = ProviderRegistry.builtIn) throws(AnthropicError) {
        self.settings = settings
        var adapters: [String: any ProviderAdapter] = [:]
        for provider in settings.providers {
            guard let adapter = ProviderRegistry.adapter(for: provider, registry: registry) else {
                throw AnthropicError(.api, "provider '\(provider.name)' has unknown type '\(provider.type)'")
            }
            adapters[provider.name] = adapter
        }
        self.adapters = adapters
    }

    /// The route for a client model: adapter, upstream model name.
    func resolve(clientModel: String) throws(AnthropicError) -> (adapter: any ProviderAdapter, upstreamModel: String) {
        guard let target = settings.target(forClientModel: clientModel), let adapter = adapters[target.provider.name] else {
            throw AnthropicError.notFound("no route in the proxy's config matches model '\(clientModel)'")
        }
        return (adapter, target.upstreamModel)
    }
}
