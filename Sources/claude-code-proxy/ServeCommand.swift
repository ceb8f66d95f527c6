import ArgumentParser
import CurlHTTP
import Foundation
import Hummingbird
import Logging
import ProxyConfig
import ProxyCore
import ProxyServer

/// `claude-code-proxy serve`: load the settings, start the server, run until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the proxy.",
        discussion: """
            Settings come from the seed's environment variables (and a .env file in the working directory): \
            OPENAI_API_KEY, OPENAI_BASE_URL, BIG_MODEL, MIDDLE_MODEL, SMALL_MODEL, HOST, PORT, LOG_LEVEL, \
            MAX_TOKENS_LIMIT, MIN_TOKENS_LIMIT, DEFAULT_MAX_TOKENS, REQUEST_TIMEOUT, ENABLE_TOKEN_ESTIMATION, \
            ANTHROPIC_API_KEY, AZURE_API_VERSION, CUSTOM_HEADER_*.
            """
    )

    @Option(name: .long, help: "Interface to listen on (overrides HOST).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (overrides PORT).")
    var port: String?

    func run() async throws {
        let settings: ProxySettings
        do {
            settings = try loadSettings()
        } catch {
            throw ValidationError(error.message)
        }
        let level = Logger.Level(rawValue: settings.server.logLevel) ?? .info
        LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label, level: level) }
        let logger = Logger(label: "claude-code-proxy")

        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let application = try ProxyApplication.make(
            settings: settings, client: client, version: ProxyCommand.version, logger: logger,
            onServerRunning: { port in
                logger.notice("claude-code-proxy \(ProxyCommand.version) listening on http://\(settings.server.host):\(port)")
                for provider in settings.providers {
                    logger.notice("provider '\(provider.name)' (\(provider.type)) at \(provider.baseURL)")
                }
                if settings.server.apiKeys.isEmpty {
                    logger.notice("no client API key set: clients are not authenticated, so the default bind address is loopback")
                }
            }
        )
        try await application.runService()
    }

    private func loadSettings() throws(ConfigurationError) -> ProxySettings {
        let dotEnv = try? String(contentsOfFile: ".env", encoding: .utf8)
        let environment = EnvironmentSettings.merged(environment: ProcessInfo.processInfo.environment, dotEnvText: dotEnv)
        var settings = try EnvironmentSettings.load(environment: environment)
        if let host { settings.server.host = host }
        if let port {
            guard let number = Int(port), (0...65535).contains(number) else {
                throw ConfigurationError("--port must be a port number from 0 to 65535, not '\(port)'")
            }
            settings.server.port = number
        }
        return settings
    }
}
