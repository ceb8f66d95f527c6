import Foundation
import Logging
import ProxyCore
import ProxyStore
import Subprocess
import SystemPackage

/// The two kinds of store the tests run against, both real: an SQLite file, and a database on a
/// PostgreSQL server of the test process's own.
package enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    package var description: String { rawValue }

    /// Whether tests of this kind can run here: PostgreSQL needs Debian's server binaries
    /// (`scripts/install-deps` installs them).
    package var isAvailable: Bool {
        self == .sqlite || TestPostgres.serverInstalled
    }

    /// The kinds that can run here.
    package static var available: [StoreKind] { allCases.filter(\.isAvailable) }
}

/// A fresh, empty store for one test, and its settings; the database is dropped (or the file deleted)
/// afterwards. Its `database.run()` runs for as long as `body`.
package enum TestStores {
    package static func with<Result: Sendable>(
        _ kind: StoreKind, _ body: @Sendable (GatewayStore, StoreSettings) async throws -> Result
    ) async throws -> Result {
        let (settings, cleanUp) = try await fresh(kind)
        defer { cleanUp() }
        var logger = Logger(label: "test-store")
        logger.logLevel = .critical
        let store = GatewayStore(settings: settings, logger: logger)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await store.database.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(store, settings)
        }
    }

    /// Settings naming a new empty store of `kind`, and what removes it.
    package static func fresh(_ kind: StoreKind) async throws -> (StoreSettings, cleanUp: @Sendable () -> Void) {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let settings = StoreSettings(location: .sqlite(path: directory.appendingPathComponent("proxy.db").path))
            return (settings, { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let url = try await TestPostgres.shared.createDatabase()
            return (StoreSettings(location: .postgres(url: url)), {})
        }
    }
}

/// A PostgreSQL server of the tests' own (on 127.0.0.1, run as a non-root user): the one
/// `scripts/with-test-postgres` started before the tests when its directory is in `environment` (as
/// `make test` does, so initdb's work does not compete with tests that measure time), else one started on
/// first use by `scripts/test-postgres` and stopped by its watcher when the test process exits.
/// `shared` serves every test that needs only a database of its own; `outages` is for the tests that kill
/// and restart their server.
package actor TestPostgres {
    package static let shared = TestPostgres(environment: "CCP_TEST_POSTGRES")
    package static let outages = TestPostgres(environment: "CCP_TEST_POSTGRES_OUTAGES")
    /// The variable that may name the directory of a server already running.
    private let environment: String

    private init(environment: String) {
        self.environment = environment
    }
    static let script = #filePath.replacing("Tests/StoreTestSupport/TestStores.swift", with: "scripts/test-postgres")

    /// Whether Debian's PostgreSQL server is installed.
    package static let serverInstalled: Bool = {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.contains { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/pg_ctl") }
    }()

    private var server: (url: String, directory: String)?

    /// The server's admin URL (the `proxy` database), starting the server the first time.
    package func serverURL() async throws -> String {
        if let server { return server.url }
        if let directory = ProcessInfo.processInfo.environment[environment],
            let url = try? String(contentsOfFile: directory + "/url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        {
            server = (url, directory)
            return url
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-\(UUID().uuidString)").path
        let result = try await Subprocess.run(
            .path(FilePath("/bin/bash")), arguments: [Self.script, "start", directory, "--watch", String(getpid())],
            output: .string(limit: 1 << 16), error: .string(limit: 1 << 16))
        let url = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.terminationStatus.isSuccess, url.hasPrefix("postgresql://") else {
            throw TestStoreError("scripts/test-postgres start failed: \(result.standardError)")
        }
        server = (url, directory)
        return url
    }

    /// A new empty database on the server; its URL.
    package func createDatabase() async throws -> String {
        let admin = try await serverURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var logger = Logger(label: "test-postgres")
        logger.logLevel = .critical
        let store = GatewayStore(settings: StoreSettings(location: .postgres(url: admin)), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.database.run() }
            defer { group.cancelAll() }
            _ = try await store.database.query("CREATE DATABASE \(name)", [])
        }
        return admin.replacingOccurrences(of: "/proxy?", with: "/\(name)?")
    }

    /// Runs `scripts/test-postgres COMMAND` on the server (`restart`, `kill`, `stop`): what a database that
    /// goes away looks like to the proxy.
    package func control(_ command: String) async throws {
        guard let server else { throw TestStoreError("no PostgreSQL server is running") }
        let result = try await Subprocess.run(
            .path(FilePath("/bin/bash")), arguments: [Self.script, command, server.directory], output: .discarded,
            error: .string(limit: 1 << 16))
        guard result.terminationStatus.isSuccess else {
            throw TestStoreError("scripts/test-postgres \(command) failed: \(result.standardError)")
        }
    }
}

/// A test store that could not be set up.
package struct TestStoreError: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
