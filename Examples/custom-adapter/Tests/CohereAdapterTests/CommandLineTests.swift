import Foundation
import Testing

/// The `cohere-proxy` executable: `ClaudeCodeProxy.main(registry:)` hands the registry to the commands, so
/// a config naming `type: cohere` is accepted where plain `claude-code-proxy` would reject it.
@Suite(.timeLimit(.minutes(1)))
struct CommandLineTests {
    /// Next to the test bundle: `swift build --build-tests` builds the executable too.
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("cohere-proxy")

    @Test func checkAcceptsTheRegisteredType() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cohere-cli-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml")
        // Port 9 on loopback: nothing listens, so the probe fails at once and nothing leaves the machine.
        try Data(
            """
            providers:
              cohere: { type: cohere, base_url: "http://127.0.0.1:9", api_key: co-key }
            models:
              - { match: "*", provider: cohere, model: command-a-03-2025 }
            """.utf8
        ).write(to: config)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["check", "--config", config.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("provider 'cohere' (cohere) at http://127.0.0.1:9"), "\(text)")
        #expect(!text.contains("unknown provider type"), "\(text)")
        #expect(process.terminationStatus == 1, "the unreachable provider is a problem")
    }
}
