import BuiltInAdapters
import ProxyCore
import Synchronization

/// The settings the proxy serves with, swappable while it runs (config reload).
///
/// Each request takes one `snapshot` at its start and keeps it to the end, so a reload never changes a
/// request half-way; the next request sees the new settings.
package final class LiveSettings: Sendable {
    private let registry: AdapterRegistry
    private let current: Mutex<SettingsSnapshot>
    /// The provider cooldowns, which outlive every reload.
    let cooldowns: TargetCooldowns

    package init(settings: ProxySettings, registry: AdapterRegistry = .builtIn) throws(AnthropicError) {
        self.registry = registry
        let cooldowns = TargetCooldowns()
        self.cooldowns = cooldowns
        self.current = Mutex(try SettingsSnapshot(settings: settings, registry: registry, cooldowns: cooldowns))
    }

    /// The settings and the adapters built from them, as of now.
    var snapshot: SettingsSnapshot { current.withLock { $0 } }

    package var settings: ProxySettings { snapshot.settings }

    /// Builds everything from `settings` first, then swaps: a settings value that cannot be used leaves
    /// the old one serving.
    package func replace(with settings: ProxySettings) throws(AnthropicError) {
        let snapshot = try SettingsSnapshot(settings: settings, registry: registry, cooldowns: cooldowns)
        current.withLock { $0 = snapshot }
    }
}
