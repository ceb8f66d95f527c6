import ProxyCore

/// The settings one request is served with: the config as of the request's start, the adapters built
/// from it once per load, the model catalog, the redactor of its secrets, and the cooldowns of targets
/// that recently answered 429 with a `retry-after`.
struct SettingsSnapshot: Sendable {
    let settings: ProxySettings
    let catalog: ModelCatalog
    let redactor: SecretRedactor
    let cooldowns = TargetCooldowns()
    private let adapters: [String: any ProviderAdapter]

    init(settings: ProxySettings, registry: AdapterRegistry) throws(AnthropicError) {
        self.settings = settings
        self.catalog = ModelCatalog(settings: settings)
        self.redactor = SecretRedactor(settings: settings)
        var adapters: [String: any ProviderAdapter] = [:]
        for provider in settings.providers {
            guard let adapter = registry.adapter(for: provider) else {
                throw AnthropicError(.api, "provider '\(provider.name)' has unknown type '\(provider.type)'")
            }
            adapters[provider.name] = adapter
        }
        self.adapters = adapters
    }

    /// The adapter of a target's provider. Every configured provider has one (`init` fails otherwise),
    /// and targets only name configured providers.
    func adapter(for target: RouteTarget) -> any ProviderAdapter {
        adapters[target.provider.name]!
    }

    /// Where a request goes, in the order to try: the route's target, then its fallbacks, with targets
    /// still cooling down after a 429 moved to the end, and those whose context window the prompt exceeds
    /// left out (when that is all of them, the request is refused: see `ContextWindowCheck`).
    func targets(for traits: RequestTraits) throws(AnthropicError) -> [RouteTarget] {
        let routed = settings.targets(for: traits, catalog: catalog)
        guard !routed.isEmpty else {
            throw AnthropicError.notFound("no route in the proxy's config matches model '\(traits.model)'")
        }
        let targets = try ContextWindowCheck.targets(routed, fitting: traits.estimatedPromptTokens)
        let (cooling, ready) = targets.reduce(into: ([RouteTarget](), [RouteTarget]())) { split, target in
            if cooldowns.isCooling(target.provider.name, target.upstreamModel) { split.0.append(target) } else { split.1.append(target) }
        }
        return ready + cooling
    }
}
