import ArgumentParser
import Logging
import ProxyCore
import ProxyServer
import UnixSignals

#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: it would bring ICU, ~30 MB of resident memory
#else
    import Foundation
#endif

/// `claude-code-proxy serve`: load the settings, start the server, run until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the proxy.",
        discussion: """
            Settings come from --config PATH, else ./config.yaml, else the seed's environment variables \
            (and a .env file in the working directory): OPENAI_API_KEY, OPENAI_BASE_URL, BIG_MODEL, \
            MIDDLE_MODEL, SMALL_MODEL, HOST, PORT, LOG_LEVEL, MAX_TOKENS_LIMIT, MIN_TOKENS_LIMIT, \
            DEFAULT_MAX_TOKENS, REQUEST_TIMEOUT, ENABLE_TOKEN_ESTIMATION, ANTHROPIC_API_KEY, \
            AZURE_API_VERSION, CUSTOM_HEADER_*.
            """
    )

    @Option(name: .long, help: "A config.yaml file.")
    var config: String?

    @Option(name: .long, help: "Interface to listen on (overrides the config).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (overrides the config).")
    var port: String?

    func run() async throws {
        let registry = ProxyCommand.registry
        let (settings, source) = try CommandFailure.reporting {
            try SettingsLoader(configPath: config, host: host, port: port, registry: registry).load()
        }
        let level = Logger.Level(rawValue: settings.server.logLevel) ?? .info
        let redactor = SecretRedactor(settings: settings)
        LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label, level: level, redactor: redactor) }
        let logger = Logger(label: "claude-code-proxy")
        let threads = ServerThreads.start(count: settings.server.threads)
        logger.debug("\(threads) event-loop thread(s)\(settings.server.threads == nil ? ", one per usable CPU" : " (server.threads)")")
        let loader = SettingsLoader(configPath: configFile(source: source), host: host, port: port, registry: registry)
        let server = try CommandFailure.reporting {
            try ProxyRun(settings: settings, loader: loader, registry: registry) { port in
                Self.announce(settings: settings, source: source, port: port, logger: logger)
            }
        }
        try await server.run(signals: [.sigterm, .sigint], logger: logger)
    }

    /// The config file the settings came from, to watch for changes; nil when they came from the environment.
    private func configFile(source: String) -> String? {
        config ?? (source == "config.yaml" ? source : nil)
    }

    private static func announce(settings: ProxySettings, source: String, port: Int, logger: Logger) {
        logger.notice(
            "claude-code-proxy \(ClaudeCodeProxy.version) listening on http://\(settings.server.host):\(port) (settings from \(source))")
        for provider in settings.providers {
            let key =
                provider.keyPool.count > 1
                ? "a pool of \(provider.keyPool.count) API keys" : provider.apiKey == nil ? "no API key" : "API key set"
            logger.notice("provider '\(provider.name)': \(provider.type) at \(provider.baseURL), \(key)")
        }
        for route in settings.routes {
            logger.notice("route '\(route.pattern)' → \(route.provider)/\(route.model ?? "(client model)")")
        }
        if let store = settings.store {
            logger.notice("store: \(store.displayLocation) (managed keys, usage ledger, shared cooldowns)")
        } else if settings.server.apiKeys.isEmpty {
            if ServerSettings.isLoopback(host: settings.server.host) {
                logger.notice("no client API key configured: any local client may use this proxy, so it listens on loopback only")
            } else {
                logger.warning(
                    "no client API key configured and listening on \(settings.server.host): anyone who can reach port \(port) can use this proxy and spend its provider keys; set server.api_keys, or a store for managed keys, or listen on 127.0.0.1"
                )
            }
        }
    }
}

/// Start-up failures as one clear line on standard error and exit status 1, never a stack trace or a
/// usage screen.
enum CommandFailure {
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            var standardError = StandardError()
            print("claude-code-proxy: error: \(error)", to: &standardError)
            throw ExitCode.failure
        }
    }

    struct StandardError: TextOutputStream {
        mutating func write(_ string: String) {
            ConsoleLogHandler.writeToStandardError(string)
        }
    }
}
