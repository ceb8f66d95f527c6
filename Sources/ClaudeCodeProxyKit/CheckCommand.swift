import ArgumentParser
import CurlHTTP
import ProxyConfig
import ProxyCore
import ProxyStore

#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: it would bring ICU, ~30 MB of resident memory
#else
    import Foundation
#endif

/// `claude-code-proxy check`: validate the settings and see whether each provider answers, without
/// starting the server. Every problem of a config file is listed, each as `FILE:LINE:COL: message`; a
/// provider that needs no API key (`api_key_required: false`, or an adapter such as Ollama's) is not
/// one. Exit status 1 when anything is wrong.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and report whether each provider is reachable."
    )

    @Option(name: .long, help: "A config.yaml file (default: ./config.yaml, else the environment variables).")
    var config: String?

    func run() async throws {
        let loaded = Result { try SettingsLoader(configPath: config, registry: ProxyCommand.registry).load() }
        if case .failure(let problems as YAMLProblems) = loaded {
            for problem in problems.errors { print(problem) }
            print("\(problems.count) problem(s) found")
            throw ExitCode.failure
        }
        let (settings, source) = try CommandFailure.reporting { try loaded.get() }
        print("settings from \(source): \(settings.providers.count) provider(s), \(settings.routes.count) route(s)")
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        var problems = 0
        for provider in settings.providers {
            var line = "provider '\(provider.name)' (\(provider.type)) at \(provider.baseURL): "
            let reachability = await Self.probe(provider.baseURL, client: client)
            line += reachability ?? "reachable"
            if reachability != nil { problems += 1 }
            // The rule requests follow: the adapter's default, unless the section says `api_key_required`.
            let requiredByDefault = ProxyCommand.registry.adapter(for: provider).map { type(of: $0).requiresAPIKey } ?? true
            if let source = provider.renewedKeySource {
                line += "; key from \(source)"
            } else {
                do {
                    _ = try provider.apiKey(requiredByDefault: requiredByDefault)
                    if provider.keyPool.count > 1 { line += "; a pool of \(provider.keyPool.count) keys" }
                } catch {
                    line += "; no API key (\(provider.apiKeySource ?? "api_key"))"
                    problems += 1
                }
            }
            print(line)
        }
        if let store = settings.store {
            do {
                let version = try await StoreAccess.run(settings: settings, source: source, migrating: false) { store, _ in
                    try await store.schemaVersion()
                }
                let schema =
                    version == Migrations.latest
                    ? "schema at version \(version)" : "schema at version \(version); serve or migrate brings it to \(Migrations.latest)"
                print("store \(store.displayLocation): reachable, \(schema)")
            } catch {
                // StoreAccess printed why.
                problems += 1
            }
        }
        for route in settings.routes {
            let fallbacks = route.fallbacks.map { " then \($0.provider)/\($0.model ?? "(client model)")" }.joined()
            print("route '\(route.pattern)' → \(route.provider)/\(route.model ?? "(client model)")\(fallbacks)")
        }
        if problems > 0 {
            print("\(problems) problem(s) found")
            throw ExitCode.failure
        }
        print("ok")
    }

    /// nil when the server answered anything at all over HTTP; otherwise why not.
    private static func probe(_ url: String, client: CurlHTTPClient) async -> String? {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url, timeouts: .init(connect: .seconds(5), total: .seconds(10))))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return nil
        } catch let error as HTTPClientError {
            return "UNREACHABLE (\(error.message))"
        } catch {
            return "UNREACHABLE (\(error))"
        }
    }
}
