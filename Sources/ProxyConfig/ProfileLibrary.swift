import ProxyCore

#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: it would bring ICU, ~30 MB of resident memory
#else
    import Foundation
#endif

/// Provider profiles: `providers/NAME.yaml` files that describe an OpenAI-compatible service (adapter
/// type, base URL, key variable, quirks), so a config section can say `profile: deepseek` and override
/// only what differs.
package struct ProfileLibrary: Sendable {
    /// Searched in order for `NAME.yaml`.
    package var directories: [String]

    package init(directories: [String]) {
        self.directories = directories
    }

    /// `providers/` beside the config file, in the working directory, and in the checkout the
    /// executable was built in (`.build/release/claude-code-proxy` → `providers/`).
    package static func standard(configFile: String?) -> ProfileLibrary {
        var directories: [String] = []
        if let configFile {
            directories.append(URL(fileURLWithPath: configFile).deletingLastPathComponent().appendingPathComponent("providers").path)
        }
        directories.append(FileManager.default.currentDirectoryPath + "/providers")
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent().appendingPathComponent("../../../providers").standardizedFileURL.path)
        directories.append(
            executable.deletingLastPathComponent().appendingPathComponent("../share/claude-code-proxy/providers").standardizedFileURL.path)
        var seen = Set<String>()
        return ProfileLibrary(directories: directories.filter { seen.insert($0).inserted })
    }

    /// The profile `name`, decoded; its problems point into the profile's own file.
    func profile(
        _ name: ConfigString, usedAt path: String, file: String, environment: [String: String]
    ) throws(YAMLProblems) -> ProviderSection {
        let safe = !name.value.isEmpty && name.value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        for directory in directories where safe {
            let profilePath = directory + "/" + name.value + ".yaml"
            guard let text = try? String(contentsOfFile: profilePath, encoding: .utf8) else { continue }
            return try YAMLDecoder(file: profilePath).decode(ProviderSection.self, fromYAML: text, environment: environment)
        }
        throw YAMLProblems([
            YAMLError(
                file: file, mark: name.mark, path: path,
                message: "no provider profile '\(name.value)' (looked for \(name.value).yaml in \(directories.joined(separator: ", ")))"
            )
        ])
    }
}
