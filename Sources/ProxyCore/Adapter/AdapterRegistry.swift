/// The adapters a config file can name by `type:`.
///
/// The built-in adapters register here the way any other does: start from `builtIn` (ClaudeCodeProxyKit;
/// or an empty registry), `register` your own, and run the proxy with the result.
public struct AdapterRegistry: Sendable {
    private var types: [String: any ProviderAdapter.Type] = [:]

    /// An empty registry.
    public init() {}

    /// Adds an adapter under its `kind`, replacing one registered under the same kind.
    public mutating func register(_ adapter: any ProviderAdapter.Type) {
        types[adapter.kind] = adapter
    }

    /// This registry with `adapter` added.
    public func registering(_ adapter: any ProviderAdapter.Type) -> AdapterRegistry {
        var registry = self
        registry.register(adapter)
        return registry
    }

    /// The kinds registered, for the config's error messages.
    public var kinds: Set<String> { Set(types.keys) }

    /// The options the adapter of `kind` declares; nil when it declares none (or no adapter has that kind).
    public func options(forKind kind: String) -> [AdapterOption]? {
        types[kind]?.options
    }

    /// The adapter for a provider, built from its settings; nil when no adapter has its `type`.
    public func adapter(for settings: ProviderSettings) -> (any ProviderAdapter)? {
        types[settings.type].map { $0.init(settings: settings) }
    }
}
