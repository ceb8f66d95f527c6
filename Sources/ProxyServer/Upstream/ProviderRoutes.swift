import ProxyCore

/// The configured providers with their adapters built once at start-up, and the cooldowns of targets
/// that recently answered 429 with a `retry-after`.
struct ProviderRoutes: Sendable {
    let settings: ProxySettings
    let catalog: ModelCatalog
    let redactor: SecretRedactor
    let cooldowns = TargetCooldowns()
    private let adapters: [String: any ProviderAdapter]

    init(settings: ProxySettings, registry: [String: any ProviderAdapter.Type] = ProviderRegistry.builtIn) throws(AnthropicError) {
        self.settings = settings
        self.catalog = ModelCatalog(settings: settings)
        self.redactor = SecretRedactor(settings: settings)
        var adapters: [String: any ProviderAdapter] = [:]
        for provider in settings.providers {
            guard let adapter = ProviderRegistry.adapter(for: provider, registry: registry) else {
                throw AnthropicError(.api, "provider '\(provider.name)' has unknown type '\(provider.type)'")
            }
            adapters[provider.name] = adapter
        }
        self.adapters = adapters
    }

    /// The targets for a client model in the order to try them: the route's target, then its fallbacks,
    /// with targets still cooling down after a 429 moved to the end.
    func resolve(_ traits: RequestTraits) throws(AnthropicError) -> [(adapter: any ProviderAdapter, upstreamModel: String)] {
        let targets = settings.targets(for: traits, catalog: catalog).compactMap { target in
            adapters[target.provider.name].map { (adapter: $0, upstreamModel: target.upstreamModel) }
        }
        guard !targets.isEmpty else {
            throw AnthropicError.notFound("no route in the proxy's config matches model '\(traits.model)'")
        }
        var ready: [(adapter: any ProviderAdapter, upstreamModel: String)] = []
        var cooling: [(adapter: any ProviderAdapter, upstreamModel: String)] = []
        for target in targets {
            if cooldowns.isCooling(target.adapter.settings.name, target.upstreamModel) {
                cooling.append(target)
            } else {
                ready.append(target)
            }
        }
        return ready + cooling
    }
}
