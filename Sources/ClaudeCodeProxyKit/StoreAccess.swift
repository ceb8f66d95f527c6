import ArgumentParser
import Logging
import ProxyConfig
import ProxyCore
import ProxyServer
import ProxyStore

/// The store a command works on: the one the settings' `store:` names, migrated first unless the command
/// is `migrate` itself (commands may run before any replica has), its connection pool running for as long as
/// the command's work.
enum StoreAccess {
    /// How long a command waits for the store before it gives up with an error.
    static let timeLimit: Duration = .seconds(20)

    static func run<Result: Sendable>(
        configPath: String?, migrating: Bool = true, _ work: @escaping @Sendable (GatewayStore, StoreSettings) async throws -> Result
    ) async throws -> Result {
        let (settings, source) = try CommandFailure.reporting {
            try SettingsLoader(configPath: configPath, registry: ProxyCommand.registry).load()
        }
        return try await run(settings: settings, source: source, migrating: migrating, work)
    }

    /// The same, for settings already loaded (from `source`).
    static func run<Result: Sendable>(
        settings: ProxySettings, source: String, migrating: Bool,
        _ work: @escaping @Sendable (GatewayStore, StoreSettings) async throws -> Result
    ) async throws -> Result {
        guard let storeSettings = settings.store else {
            try CommandFailure.reporting {
                throw ConfigurationError(
                    "the settings from \(source) have no store: section (store: { url: postgresql://… or sqlite:PATH })")
            }
            throw ExitCode.failure
        }
        let redactor = SecretRedactor(settings: settings)
        let logger = Logger(label: "claude-code-proxy") { label in ConsoleLogHandler(label: label, level: .error, redactor: redactor) }
        let store = GatewayStore(settings: storeSettings, logger: logger)
        let outcome = await withTaskGroup(of: Swift.Result<Result, any Error>?.self) { group in
            group.addTask {
                await store.database.run()
                return nil
            }
            group.addTask {
                await Swift.Result {
                    try await withTimeLimit(timeLimit) {
                        try await store.database.check()
                        if migrating { try await store.migrate() }
                        return try await work(store, storeSettings)
                    }
                }
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return .failure(CancellationError())
        }
        return try CommandFailure.reporting {
            do {
                return try outcome.get()
            } catch let error as TimeLimitExceeded {
                throw ConfigurationError("the store at \(storeSettings.displayLocation) did not answer within \(error.limit)")
            } catch let error as StoreError {
                throw error
            } catch {
                throw ConfigurationError("the store at \(storeSettings.displayLocation) failed: \(redactor.redact("\(error)"))")
            }
        }
    }
}

extension Swift.Result where Failure == any Error {
    fileprivate init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
