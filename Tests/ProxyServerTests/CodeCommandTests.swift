import Foundation
import ProxyConfig
import ProxyCore
import Subprocess
import SystemPackage
import Testing

/// `claude-code-proxy code`, run as a user runs it, with a stand-in for `claude` that reports what it was
/// given and asks the proxy for its models.
@Suite("code launcher", .timeLimit(.minutes(1)))
struct CodeCommandTests {
    static let fakeClaude = """
        #!/usr/bin/env python3
        import os, sys, urllib.request
        base = os.environ["ANTHROPIC_BASE_URL"]
        print("BASE", base)
        print("TOKEN", os.environ.get("ANTHROPIC_AUTH_TOKEN"))
        print("DISCOVERY", os.environ.get("CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY"), os.environ.get("DISABLE_TELEMETRY"))
        print("HINTS", os.environ.get("CLAUDE_CODE_GATEWAY_HINT_HEADERS"))
        print("COMPACT", os.environ.get("CLAUDE_CODE_AUTO_COMPACT_WINDOW"))
        print("ARGS", sys.argv[1:])
        request = urllib.request.Request(base + "/v1/models", headers={"x-api-key": os.environ["ANTHROPIC_AUTH_TOKEN"]})
        print("MODELS", urllib.request.urlopen(request, timeout=5).read().decode())
        sys.exit(3)
        """

    /// Runs `code` with `arguments` in a fresh directory holding `config` and the stand-in; returns the exit
    /// status and everything printed.
    static func code(
        config: String, _ arguments: [String], environment extra: [String: String] = [:]
    ) async throws -> (
        status: Int32, output: String
    ) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("code-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try config.write(to: directory.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let claude = directory.appendingPathComponent("claude")
        try fakeClaude.write(to: claude, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: claude.path)
        var environment: [Environment.Key: String] = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
        for (name, value) in extra { environment[Environment.Key(stringLiteral: name)] = value }
        let result = try await Subprocess.run(
            .path(ProxyBinary.path),
            arguments: Arguments(["code"] + arguments.map { $0.replacingOccurrences(of: "$DIR", with: directory.path) }),
            environment: .custom(environment),
            workingDirectory: FilePath(directory.path),
            output: .string(limit: 1 << 20), error: .combinedWithOutput)
        return (result.terminationStatus.shellStatus, result.standardOutput)
    }

    static let config = """
        server: { api_keys: ["team-client-key"] }
        providers:
          local: { type: ollama, base_url: "http://127.0.0.1:9" }
        models:
          - { match: "*", provider: local, model: qwen, display_name: "Qwen (local)", context_window: 150000 }
        """

    @Test("with a store and no static keys, claude gets the managed key it was given, which the proxy accepts")
    func managedKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("code-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = """
            store: { url: "sqlite:\(directory.path)/proxy.db" }
            providers:
              local: { type: ollama, base_url: "http://127.0.0.1:9" }
            models:
              - { match: "*", provider: local, model: qwen, display_name: "Qwen (local)" }
            """
        try config.write(to: directory.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let created = try await Subprocess.run(
            .path(ProxyBinary.path), arguments: ["keys", "create", "dev", "--json", "--config", directory.path + "/config.yaml"],
            output: .string(limit: 1 << 16), error: .discarded)
        let secret = try #require(try JSONParser.parse(created.standardOutput)["key"]?.stringValue)
        let (status, output) = try await Self.code(config: config, ["--claude", "$DIR/claude"], environment: ["ANTHROPIC_API_KEY": secret])
        #expect(status == 3, "\(output)")
        #expect(output.contains("TOKEN \(secret)"), "\(output)")
        #expect(output.contains(#""display_name":"Qwen (local)""#), "the proxy took the managed key: \(output)")
    }

    @Test("claude runs against the proxy on a loopback port with the client key, its arguments and its exit status")
    func launches() async throws {
        let (status, output) = try await Self.code(config: Self.config, ["--claude", "$DIR/claude", "--", "-p", "write hello.txt"])
        #expect(status == 3, "\(output)")
        #expect(output.contains("BASE http://127.0.0.1:"), "\(output)")
        #expect(!output.contains("BASE http://127.0.0.1:8082"), "a free port, not the config's")
        #expect(output.contains("TOKEN team-client-key"), "\(output)")
        #expect(output.contains("DISCOVERY 1 1"), "\(output)")
        #expect(output.contains("HINTS 1"), "\(output)")
        #expect(output.contains("COMPACT 150000\n"), "the routes' window: \(output)")
        #expect(output.contains("ARGS ['-p', 'write hello.txt']"), "\(output)")
        #expect(output.contains(#""display_name":"Qwen (local)""#), "the proxy answered with the configured models: \(output)")
        #expect(!output.contains("ERROR"), "\(output)")
    }

    @Test("Claude Code compacts at the smallest window of the routes, 100,000 at least; a window the user set stays")
    func compactWindow() async throws {
        let config = """
            providers:
              local: { type: ollama, base_url: "http://127.0.0.1:9" }
            models:
              - { match: "*haiku*", provider: local, model: small, context_window: 32000 }
              - { match: "*", provider: local, model: qwen, fallbacks: [{ provider: local, model: wide, context_window: 400000 }] }
            """
        let (status, output) = try await Self.code(config: config, ["--claude", "$DIR/claude"])
        #expect(status == 3, "\(output)")
        #expect(output.contains("COMPACT 100000\n"), "\(output)")
        let given = try await Self.code(
            config: config, ["--claude", "$DIR/claude"], environment: ["CLAUDE_CODE_AUTO_COMPACT_WINDOW": "1m"])
        #expect(given.output.contains("COMPACT 1m\n"), "\(given.output)")
        let unknown = try await Self.code(config: "providers: {}\nmodels: []\n", ["--claude", "$DIR/claude"])
        #expect(unknown.output.contains("COMPACT None\n"), "no window known, none given: \(unknown.output)")
    }

    @Test("without claude on PATH it says how to get it and exits 1")
    func claudeMissing() async throws {
        let (status, output) = try await Self.code(config: Self.config, [])
        #expect(status == 1)
        #expect(output.contains("Claude Code is not installed: no 'claude' on PATH"), "\(output)")
    }

    /// `code` with `Self.config` on the port of a proxy already serving `running`: which base URL claude
    /// got, whether it was that proxy's, and the exit status and output.
    static func codeBeside(running: String) async throws -> (reused: Bool, status: Int32, output: String) {
        var result: (Bool, Int32, String) = (false, -1, "")
        try await ProxyHarness.run(
            upstreamCount: 1, settings: { _ in try ConfigFile.load(text: running, file: "c.yaml", environment: [:]) }
        ) { harness in
            let config = Self.config.replacingOccurrences(
                of: #"server: { api_keys: ["team-client-key"] }"#,
                with: #"server: { api_keys: ["team-client-key"], port: \#(harness.proxyPort) }"#)
            let (status, output) = try await Self.code(config: config, ["--claude", "$DIR/claude"])
            result = (output.contains("BASE http://127.0.0.1:\(harness.proxyPort)\n"), status, output)
        }
        return result
    }

    @Test("a proxy already serving the same settings on their port is used instead of a new one")
    func usesTheRunningProxy() async throws {
        let same = try await Self.codeBeside(running: Self.config)
        #expect(same.status == 3 && same.reused, "\(same.output)")
        #expect(same.output.contains(#""display_name":"Qwen (local)""#), "\(same.output)")
        // Another config on that port is not the same proxy: a new one is started.
        let other = try await Self.codeBeside(running: "providers: {}\nmodels: []\n")
        #expect(other.status == 3 && !other.reused, "\(other.output)")
    }
}
