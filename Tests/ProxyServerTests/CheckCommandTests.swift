import Foundation
import ProxyCore
import Subprocess
import SystemPackage
import Testing

/// `claude-code-proxy check`, run as the binary a user runs.
@Suite("check command", .timeLimit(.minutes(1)))
struct CheckCommandTests {
    /// Writes `config` (and the shipped `profiles`) into a fresh directory and runs `check` on it there,
    /// with no API key in the environment; returns the exit status and everything it printed.
    static func check(_ config: String, profiles: [String] = []) async throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("providers"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let shipped = #filePath.replacing("Tests/ProxyServerTests/CheckCommandTests.swift", with: "providers")
        for profile in profiles {
            try FileManager.default.copyItem(
                atPath: "\(shipped)/\(profile).yaml", toPath: directory.appendingPathComponent("providers/\(profile).yaml").path)
        }
        let file = directory.appendingPathComponent("config.yaml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let result = try await Subprocess.run(
            .path(ProxyBinary.path), arguments: ["check", "--config", file.path], environment: .custom(["PATH": ProxyBinary.searchPath]),
            workingDirectory: FilePath(directory.path), output: .string(limit: 1 << 20), error: .combinedWithOutput)
        return (result.terminationStatus.shellStatus, result.standardOutput)
    }

    @Test("a store is probed: reachable, with its schema's version; an unreachable one is a problem saying why")
    func store() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("check-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let reachable = try await Self.check(
            """
            store: { url: "sqlite:\(directory.path)/proxy.db" }
            providers: {}
            models: []
            """)
        #expect(reachable.status == 0, "\(reachable.output)")
        #expect(
            reachable.output.contains(
                "store sqlite:\(directory.path)/proxy.db: reachable, schema at version 0; serve or migrate brings it to 1"),
            "\(reachable.output)")
        let unreachable = try await Self.check(
            """
            store: { url: "postgresql://proxy:secret-password@127.0.0.1:9/proxy?sslmode=disable" }
            providers: {}
            models: []
            """)
        #expect(unreachable.status == 1)
        #expect(unreachable.output.contains("the store at postgresql://proxy@127.0.0.1:9/proxy failed"), "\(unreachable.output)")
        #expect(!unreachable.output.contains("secret-password"))
    }

    @Test("a file with mistakes in several sections: every problem listed with FILE:LINE:COL, exit status 1")
    func listsEveryProblem() async throws {
        let (status, output) = try await Self.check(
            """
            server:
              port: abc
            providers:
              a:
                type: openai
                base_url: http://127.0.0.1:9/v1
                api_kye: k
              b: { type: opanai, base_url: "http://127.0.0.1:9" }
            models:
              - { match: "*", provider: c }
            """)
        #expect(status == 1)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(output)")
        #expect(lines.first?.contains("config.yaml:2:9: expected an integer, found 'abc' (at server.port)") == true, "\(output)")
        #expect(lines.dropFirst().first?.contains("config.yaml:7:5: unknown key 'api_kye'; did you mean 'api_key'?") == true, "\(output)")
        #expect(lines.dropFirst(2).first?.contains("config.yaml:8:14: unknown provider type 'opanai'") == true, "\(output)")
        #expect(lines.dropFirst(3).first?.contains("config.yaml:10:29: route names provider 'c'") == true, "\(output)")
        #expect(lines.last == "4 problem(s) found")
    }

    @Test("providers that need no API key pass when reachable: the shipped vllm and lmstudio profiles, and ollama")
    func keylessProvidersPass() async throws {
        try await ProxyHarness.run(upstreamCount: 3, settings: { _ in ProxySettings(providers: [], routes: []) }) { harness in
            let urls = harness.upstreamURLs
            let (status, output) = try await Self.check(
                """
                providers:
                  vllm: { profile: vllm, base_url: "\(urls[0])/v1" }
                  lmstudio: { profile: lmstudio, base_url: "\(urls[1])/v1" }
                  local: { type: ollama, base_url: "\(urls[2])" }
                models:
                  - { match: "*", provider: vllm, fallbacks: [{ provider: lmstudio }, { provider: local }] }
                """, profiles: ["vllm", "lmstudio"])
            #expect(!output.contains("no API key"), "\(output)")
            #expect(output.hasSuffix("ok\n"), "\(output)")
            #expect(status == 0, "\(output)")
        }
    }

    @Test("a provider that needs a key and has none is still a problem")
    func missingKeyIsAProblem() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { _ in ProxySettings(providers: [], routes: []) }) { harness in
            let (status, output) = try await Self.check(
                """
                providers:
                  openai: { type: openai, base_url: "\(harness.upstreamURLs[0])/v1", api_key: "${OPENAI_API_KEY}" }
                models:
                  - { match: "*", provider: openai }
                """)
            #expect(output.contains("reachable; no API key (OPENAI_API_KEY (used by api_key in"), "\(output)")
            #expect(status == 1)
        }
    }

    @Test("a key pool is reported with its size; a pool whose every variable is unset is a problem")
    func keyPool() async throws {
        try await ProxyHarness.run(upstreamCount: 1, settings: { _ in ProxySettings(providers: [], routes: []) }) { harness in
            let (status, output) = try await Self.check(
                """
                providers:
                  pooled: { type: openai, base_url: "\(harness.upstreamURLs[0])/v1", api_keys: [sk-one-1234567, sk-two-1234567] }
                  empty: { type: openai, base_url: "\(harness.upstreamURLs[0])/v1", api_keys: ["${POOL_KEY_A}", "${POOL_KEY_B}"] }
                models:
                  - { match: "*", provider: pooled, fallbacks: [{ provider: empty }] }
                """)
            #expect(
                output.contains("provider 'pooled' (openai) at \(harness.upstreamURLs[0])/v1: reachable; a pool of 2 keys\n"), "\(output)")
            #expect(output.contains("reachable; no API key (POOL_KEY_A, POOL_KEY_B (used by api_keys in"), "\(output)")
            #expect(status == 1)
        }
    }
}
