import ProxyConfig
import ProxyCore

#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: it would bring ICU, ~30 MB of resident memory
#else
    import Foundation
#endif

/// Where the settings come from: `--config PATH`, else `./config.yaml` when present, else the seed's
/// environment variables (plus `.env`), so seed users change nothing.
struct SettingsLoader {
    var configPath: String?
    var host: String? = nil
    var port: String? = nil
    /// The adapters whose `kind` a provider's `type` may name.
    var registry: AdapterRegistry

    /// The settings, and a word on where they came from for the start-up log.
    func load() throws -> (settings: ProxySettings, source: String) {
        let dotEnv = try? String(contentsOfFile: ".env", encoding: .utf8)
        let environment = EnvironmentSettings.merged(environment: ProcessInfo.processInfo.environment, dotEnvText: dotEnv)
        var settings: ProxySettings
        let source: String
        if let path = configPath ?? (FileManager.default.fileExists(atPath: "config.yaml") ? "config.yaml" : nil) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError("cannot read config file '\(path)'")
            }
            settings = try ConfigFile.load(
                text: text, file: path, environment: environment, profiles: .standard(configFile: path), registry: registry)
            source = path
        } else {
            settings = try EnvironmentSettings.load(environment: environment)
            source = "environment variables"
        }
        if let host { settings.server.host = host }
        if let port {
            guard let number = Int(port), (0...65535).contains(number) else {
                throw ConfigurationError("--port must be a port number from 0 to 65535, not '\(port)'")
            }
            settings.server.port = number
        }
        return (settings, source)
    }
}
