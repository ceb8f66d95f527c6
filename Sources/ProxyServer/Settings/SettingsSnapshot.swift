import ProxyCore

/// The settings one request is served with: the config as of the request's start, each provider's
/// adapter and keys built from it once per load (`KeyPool`), the model catalog, the redactor of its secrets, and the
/// process's cooldowns of the keys that targets recently refused.
struct SettingsSnapshot: Sendable {
    let settings: ProxySettings
    let catalog: ModelCatalog
    let redactor: SecretRedactor
    let cooldowns: TargetCooldowns
    /// The identity of each of `server.api_keys`, in its order (its name hashes the key once per load).
    let staticClients: [ClientIdentity]
    private let pools: [String: KeyPool]

    init(settings: ProxySettings, registry: AdapterRegistry, cooldowns: TargetCooldowns) throws(AnthropicError) {
        self.settings = settings
        self.cooldowns = cooldowns
        self.staticClients = settings.server.apiKeys.map(ClientIdentity.staticKey)
        self.catalog = ModelCatalog(settings: settings)
        self.redactor = SecretRedactor(settings: settings)
        var pools: [String: KeyPool] = [:]
        for provider in settings.providers {
            guard let pool = KeyPool(provider: provider, registry: registry, server: settings.server) else {
                throw AnthropicError(.api, "provider '\(provider.name)' has unknown type '\(provider.type)'")
            }
            pools[provider.name] = pool
        }
        self.pools = pools
    }

    /// The adapter and keys of a target's provider. Every configured provider has them (`init` fails otherwise),
    /// and targets only name configured providers.
    func pool(for target: RouteTarget) -> KeyPool {
        pools[target.provider.name]!
    }

    /// The keys (indexes into `pool(for:)`) to try a target with, in order: the session's own first, those
    /// cooling down last.
    func keyOrder(for target: RouteTarget, session: String?) -> [Int] {
        let pool = pool(for: target)
        return pool.order(session: session) { cooldowns.isCooling(target, key: pool.keyIDs[$0]) }
    }

    /// Where a request goes, in the order to try: the route's target, then its fallbacks, with targets
    /// whose every key is cooling down moved to the end, and those whose context window the prompt exceeds
    /// left out (when that is all of them, the request is refused: see `ContextWindowCheck`).
    func targets(for traits: RequestTraits) throws(AnthropicError) -> [RouteTarget] {
        let routed = settings.targets(for: traits, catalog: catalog)
        guard !routed.isEmpty else {
            throw AnthropicError.notFound("no route in the proxy's config matches model '\(traits.model)'")
        }
        let targets = try ContextWindowCheck.targets(routed, fitting: traits.estimatedPromptTokens)
        let (cooling, ready) = targets.reduce(into: ([RouteTarget](), [RouteTarget]())) { split, target in
            let pool = pool(for: target)
            if pool.keyIDs.allSatisfy({ cooldowns.isCooling(target, key: $0) }) { split.0.append(target) } else { split.1.append(target) }
        }
        return ready + cooling
    }
}
