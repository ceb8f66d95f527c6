import Foundation
import Subprocess
import SystemPackage
import Testing

/// `claude-code-proxy serve`, run as the binary a user runs: every graceful stop exits with status 0, with
/// or without a config file, whatever the config reloader is doing at that moment; what it says at start
/// about who may use it.
@Suite("serve exits cleanly", .timeLimit(.minutes(1)))
struct ServeExitTests {
    static let localConfig =
        "providers:\n  local: { type: ollama, base_url: \"http://127.0.0.1:9\" }\nmodels:\n  - { match: \"*\", provider: local }\n"

    /// Starts `serve` (a config file, or the seed's environment), signals it `after` its start line, and
    /// returns its exit status and output.
    static func serve(configFile: Bool, signal: Int32, after delay: Duration) async throws -> (status: Int32, output: String) {
        try await serve(config: configFile ? localConfig : nil, signal: signal, after: delay)
    }

    /// Starts `serve` with `config` (nil: the seed's environment) on `host`, through `launcher` (e.g.
    /// `taskset -c 0`) when given, signals it `after` its start line, and returns its exit status and output.
    static func serve(
        config: String?, host: String = "127.0.0.1", launcher: [String] = [], signal: Int32, after delay: Duration
    ) async throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment: [Environment.Key: String] = ["PATH": ProxyBinary.searchPath, "OPENAI_API_KEY": "sk-test"]
        var arguments = ["serve", "--host", host, "--port", "0"]
        if let config {
            let file = directory.appendingPathComponent("config.yaml")
            try config.write(to: file, atomically: true, encoding: .utf8)
            arguments += ["--config", file.path]
        } else {
            environment["PORT"] = "0"
        }
        let command = launcher + [ProxyBinary.path.string] + arguments
        let result = try await Subprocess.run(
            .path(FilePath(command[0])), arguments: Arguments(Array(command.dropFirst())), environment: .custom(environment),
            workingDirectory: FilePath(directory.path), input: .none, output: .sequence, error: .combinedWithOutput
        ) { execution in
            var printed: [UInt8] = []
            var signalled = false
            for try await chunk in execution.standardOutput {
                printed += chunk.withUnsafeBytes { Array($0) }
                if !signalled, String(decoding: printed, as: UTF8.self).contains("listening on") {
                    signalled = true
                    try await Task.sleep(for: delay)
                    try execution.send(signal: Signal(rawValue: signal))
                }
            }
            return String(decoding: printed, as: UTF8.self)
        }
        return (result.terminationStatus.shellStatus, result.closureResult)
    }

    @Test(
        "SIGTERM and SIGINT at different moments of the reload loop (it polls every 2 s): exit status 0",
        arguments: [
            (true, SIGTERM, Duration.milliseconds(50)), (true, SIGTERM, .milliseconds(1900)), (true, SIGTERM, .milliseconds(2100)),
            (true, SIGINT, .milliseconds(900)), (true, SIGINT, .milliseconds(2050)), (false, SIGTERM, .milliseconds(300)),
            (false, SIGINT, .milliseconds(2050)),
        ]
    )
    func cleanExit(configFile: Bool, signal: Int32, delay: Duration) async throws {
        let (status, output) = try await Self.serve(configFile: configFile, signal: signal, after: delay)
        #expect(status == 0, "\(output)")
        #expect(!output.contains("Error:"), "\(output)")
    }

    @Test("without client keys: a notice on loopback; on any other address, a warning that anyone who reaches the port spends the keys")
    func openDoorWarning() async throws {
        let local = try await Self.serve(config: Self.localConfig, signal: SIGTERM, after: .milliseconds(100))
        #expect(local.output.contains("any local client may use this proxy, so it listens on loopback only"), "\(local.output)")
        #expect(!local.output.contains("spend its provider keys"), "\(local.output)")
        // In a network namespace of its own, where every address is its own unconnected loopback.
        let open = try await Self.serve(
            config: Self.localConfig, host: "0.0.0.0", launcher: ["/usr/bin/unshare", "-rn"], signal: SIGTERM, after: .milliseconds(100))
        #expect(open.status == 0, "\(open.output)")
        let warning = open.output.split(separator: "\n").first { $0.contains("anyone who can reach port") }
        #expect(warning?.contains("WARNING") == true, "\(open.output)")
        #expect(warning?.contains("listening on 0.0.0.0") == true, "\(open.output)")
        #expect(!open.output.contains("listens on loopback only"), "\(open.output)")
    }
}
