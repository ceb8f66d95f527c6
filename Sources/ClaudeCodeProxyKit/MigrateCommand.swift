import ArgumentParser
import ProxyStore

/// `claude-code-proxy migrate`: bring the store's schema up to this version's. `serve` does it at start
/// too; run it first when the database user the replicas run as may not change the schema.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the store's schema migrations (serve applies them at start too).")

    @Option(name: .long, help: "A config.yaml file with a store: section (default: ./config.yaml).")
    var config: String?

    func run() async throws {
        let (applied, location) = try await StoreAccess.run(configPath: config, migrating: false) { store, settings in
            (try await store.migrate(), settings.displayLocation)
        }
        let steps = applied.isEmpty ? "nothing to apply" : "applied \(applied.map(String.init).joined(separator: ", "))"
        print("store \(location): schema at version \(Migrations.latest) (\(steps))")
    }
}
