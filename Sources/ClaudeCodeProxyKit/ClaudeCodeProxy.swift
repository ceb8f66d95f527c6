import ArgumentParser
@_exported import BuiltInAdapters
import Logging
@_exported import ProxyCore

/// Runs claude-code-proxy with the adapters of a registry: the whole command line, or the server alone
/// inside another program (an adapter's tests).
///
/// An executable that adds adapters is one line: `await ClaudeCodeProxy.main(registry: .builtIn.registering(MyAdapter.self))`.
public enum ClaudeCodeProxy {
    /// The version the command line and `GET /health` report.
    public static let version = "0.1.0"

    /// The `claude-code-proxy` command line (`serve`, the default, and `check`) on this process's
    /// arguments; exits the process with the command's status.
    public static func main(registry: AdapterRegistry = .builtIn) async {
        await ProxyCommand.$registry.withValue(registry) { await ProxyCommand.main() }
    }

    /// Serves a config file in this process until the calling task is cancelled (no signal handlers,
    /// no logging set-up: the caller's process owns both).
    ///
    /// - Parameters:
    ///   - configFile: a config.yaml; its `providers/` profiles are looked up as the command line does.
    ///   - port: overrides the file's port; 0 picks a free one.
    ///   - logger: where the server's lines go (the request lines are tagged with their request id).
    ///   - onListening: called with the bound port once the server accepts connections.
    public static func serve(
        configFile: String, registry: AdapterRegistry = .builtIn, port: Int? = nil,
        logger: Logger = Logger(label: "claude-code-proxy"), onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let loader = SettingsLoader(configPath: configFile, port: port.map(String.init), registry: registry)
        let (settings, _) = try loader.load()
        let server = try ProxyRun(settings: settings, loader: loader, registry: registry, onListening: onListening)
        try await server.run(signals: [], logger: logger)
    }
}
