import Foundation
import ProxyCore
import StoreTestSupport
import Subprocess
import SystemPackage
import Testing

/// `claude-code-proxy keys …` and `migrate`, run as the binary a user runs, on both real stores.
@Suite("keys and migrate commands", .timeLimit(.minutes(2)))
struct KeysCommandTests {
    /// A config.yaml naming `store` in a fresh directory; `body` gets a runner of the binary on it.
    static func withConfig(
        _ kind: StoreKind,
        _ body: (_ run: @escaping @Sendable ([String]) async throws -> (status: Int32, output: String)) async throws -> Void
    ) async throws {
        let (settings, cleanUp) = try await TestStores.fresh(kind)
        defer { cleanUp() }
        let url: String
        switch settings.location {
        case .postgres(let text): url = text
        case .sqlite(let path): url = "sqlite:" + path
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.yaml")
        try "store: { url: \"\(url)\" }\nproviders: {}\nmodels: []\n".write(to: file, atomically: true, encoding: .utf8)
        try await body { arguments in
            try await run(arguments + ["--config", file.path], in: directory)
        }
    }

    static func run(_ arguments: [String], in directory: URL) async throws -> (status: Int32, output: String) {
        let result = try await Subprocess.run(
            .path(ProxyBinary.path), arguments: Arguments(arguments), environment: .custom(["PATH": ProxyBinary.searchPath]),
            workingDirectory: FilePath(directory.path), output: .string(limit: 1 << 20), error: .combinedWithOutput)
        return (result.terminationStatus.shellStatus, result.standardOutput)
    }

    @Test("create prints the key once; list, show, usage and revoke see it; --json for scripts", arguments: StoreKind.available)
    func lifecycle(kind: StoreKind) async throws {
        try await Self.withConfig(kind) { run in
            let created = try await run([
                "keys", "create", "alice", "--budget", "25", "--budget-period", "week", "--rpm", "60", "--models",
                "claude-haiku-*,claude-sonnet-*", "--json",
            ])
            #expect(created.status == 0, "\(created.output)")
            let json = try JSONParser.parse(created.output)
            #expect(json["name"] == "alice")
            let secret = try #require(json["key"]?.stringValue)
            #expect(secret.hasPrefix("sk-ccp-"))
            #expect(json["budget_usd"] == 25 && json["budget_period"] == "week" && json["rpm"] == 60)
            #expect(json["models"] == ["claude-haiku-*", "claude-sonnet-*"])

            let text = try await run(["keys", "create", "bob", "--expires", "2099-06-30"])
            #expect(text.status == 0)
            let lines = text.output.split(separator: "\n")
            #expect(lines.first == "key 'bob' created (expires 2099-07-01T00:00:00Z); it is shown only this once:")
            #expect(lines.last?.hasPrefix("sk-ccp-") == true)

            let list = try await run(["keys", "list"])
            #expect(list.status == 0)
            let rows = list.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(rows.first == ["NAME", "STATUS", "CREATED", "EXPIRES", "BUDGET", "RPM", "TPM", "MODELS"])
            #expect(rows.dropFirst().first?.first == "alice" && rows.dropFirst().first?.contains("claude-haiku-*,claude-sonnet-*") == true)
            #expect(rows.last?.contains("2099-06-30") == true)
            #expect(!list.output.contains(secret))

            let shown = try JSONParser.parse(try await run(["keys", "show", "alice", "--json"]).output)
            #expect(shown["status"] == "active" && shown["spend_usd"] == 0)
            let usage = try JSONParser.parse(try await run(["keys", "usage", "--since", "7d", "--json"]).output)
            #expect(usage["data"] == [])

            let revoked = try await run(["keys", "revoke", "alice"])
            #expect(revoked.status == 0 && revoked.output == "key 'alice' revoked\n")
            let again = try await run(["keys", "revoke", "alice"])
            #expect(again.status == 1)
            #expect(again.output.contains("the key 'alice' is already revoked"))
            #expect(try JSONParser.parse(try await run(["keys", "show", "alice", "--json"]).output)["status"] == "revoked")
        }
    }

    @Test("mistakes: a name taken, a missing key, a bad option; each a clear line and a non-zero exit")
    func mistakes() async throws {
        try await Self.withConfig(.sqlite) { run in
            #expect(try await run(["keys", "create", "alice"]).status == 0)
            let taken = try await run(["keys", "create", "alice"])
            #expect(taken.status == 1)
            #expect(
                taken.output == "claude-code-proxy: error: a key named 'alice' exists already: revoke it first, or choose another name\n")
            let missing = try await run(["keys", "show", "nobody"])
            #expect(missing.status == 1 && missing.output.contains("no managed key named 'nobody'"))
            let period = try await run(["keys", "create", "bob", "--budget", "1", "--budget-period", "year"])
            #expect(period.status != 0 && period.output.contains("--budget-period must be one of day, week, month, total"))
            let since = try await run(["keys", "usage", "--since", "yesterday"])
            #expect(since.status != 0 && since.output.contains("--since must be YYYY-MM-DD"))
        }
    }

    @Test("migrate: the schema once, then nothing to do; five processes at once apply it once")
    func migrate() async throws {
        try await Self.withConfig(.sqlite) { run in
            let outcomes = try await withThrowingTaskGroup(of: (status: Int32, output: String).self) { group in
                for _ in 0..<5 { group.addTask { try await run(["migrate"]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0.status == 0 }, "\(outcomes)")
            #expect(outcomes.filter { $0.output.contains("(applied 1)") }.count == 1, "\(outcomes)")
            #expect(outcomes.filter { $0.output.contains("(nothing to apply)") }.count == 4)
        }
    }

    @Test("a config without store:, and a store that cannot be reached: the reason, exit status 1, at once")
    func noStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.yaml")
        try "providers: {}\nmodels: []\n".write(to: file, atomically: true, encoding: .utf8)
        let none = try await Self.run(["keys", "list", "--config", file.path], in: directory)
        #expect(none.status == 1)
        #expect(none.output.contains("have no store: section"))

        try "store: { url: \"postgresql://proxy:pw@127.0.0.1:9/proxy?sslmode=disable\" }\nproviders: {}\nmodels: []\n".write(
            to: file, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let unreachable = try await Self.run(["keys", "list", "--config", file.path], in: directory)
        #expect(unreachable.status == 1)
        #expect(
            unreachable.output.contains("the store at postgresql://proxy@127.0.0.1:9/proxy failed: PostgreSQL:"), "\(unreachable.output)")
        #expect(unreachable.output.contains("Connection refused"), "\(unreachable.output)")
        #expect(!unreachable.output.contains("pw@"), "no password in the message")
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
