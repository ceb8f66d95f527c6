import Foundation
import Logging
import ProxyConfig
import ProxyCore
import ProxyServer
import Synchronization
import Testing

@Suite("Config reload", .timeLimit(.minutes(1)))
struct ReloadTests {
    static func config(_ urls: [String], routeTo provider: String) -> String {
        """
        providers:
          first: { type: openai, base_url: "\(urls[0])/v1", api_key: k1 }
          second: { type: ollama, base_url: "\(urls[1])" }
        models:
          - { match: "*", provider: \(provider), model: m }
        """
    }

    static let request: JSONValue = ["model": "claude-sonnet-4-5", "max_tokens": 200, "messages": [["role": "user", "content": "hi"]]]

    /// Writes a config to `file` and loads it, as the proxy does at start-up.
    static func writeAndLoad(_ text: String, to file: String) throws -> ProxySettings {
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try ConfigFile.load(text: text, file: file, environment: [:])
    }

    static func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString).yaml").path
    }

    /// A reloader of `file`; its lines at `info` and above go to `log` when one is given.
    static func reloader(
        _ harness: ProxyHarness, file: String, pollInterval: Duration = .seconds(60), log: LogRecord? = nil
    ) -> ConfigReloader {
        var logger = Logger(label: "reload-test") { label in
            ConsoleLogHandler(label: label, level: .info) { line in log?.lines.withLock { $0.append(line) } }
        }
        if log == nil { logger.logLevel = .critical }
        return ConfigReloader(live: harness.live, watchedFile: file, pollInterval: pollInterval, logger: logger) {
            try ConfigFile.load(text: try String(contentsOfFile: file, encoding: .utf8), file: file, environment: [:])
        }
    }

    /// Runs `body` with a proxy serving `file` (routed to `first`) and its reloader watching the file
    /// every 50 ms, its lines in the `LogRecord`.
    static func watching(_ body: (ProxyHarness, ConfigReloader, LogRecord, String) async throws -> Void) async throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await ProxyHarness.run(upstreamCount: 2, settings: { try writeAndLoad(config($0, routeTo: "first"), to: file) }) {
            (harness: ProxyHarness) async throws in
            let log = LogRecord()
            let reloader = reloader(harness, file: file, pollInterval: .milliseconds(50), log: log)
            let watching = Task { try await reloader.run() }
            defer { watching.cancel() }
            try await body(harness, reloader, log, file)
        }
    }

    /// Waits (up to 5 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<250 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test("a change loaded on SIGHUP is not loaded again by the file watcher: one log line")
    func signalThenWatcher() async throws {
        try await Self.watching { harness, reloader, log, file in
            try Self.config(harness.upstreamURLs, routeTo: "second").write(toFile: file, atomically: true, encoding: .utf8)
            #expect(reloader.reload(reason: "SIGHUP"))
            try await Task.sleep(for: .milliseconds(600))
            #expect(harness.live.settings.routes.first?.provider == "second")
            #expect(log.reloads.count == 1, "\(log.reloads)")
        }
    }

    @Test("a change the watcher loaded, then a SIGHUP, a rewrite with the same text and concurrent reloads: one log line")
    func watcherThenSignal() async throws {
        try await Self.watching { harness, reloader, log, file in
            let changed = Self.config(harness.upstreamURLs, routeTo: "second")
            try changed.write(toFile: file, atomically: true, encoding: .utf8)
            try await Self.eventually { !log.reloads.isEmpty }
            #expect(log.reloads.first?.contains("changed") == true, "the watcher noticed it: \(log.reloads)")
            #expect(reloader.reload(reason: "SIGHUP"))
            try changed.write(toFile: file, atomically: true, encoding: .utf8)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { reloader.reload(reason: "SIGHUP") } }
            }
            try await Task.sleep(for: .milliseconds(600))
            #expect(harness.live.settings.routes.first?.provider == "second")
            #expect(log.reloads.count == 1, "\(log.reloads)")
        }
    }

    @Test("a broken file is reported once, by whichever notices it first, and its fix once")
    func brokenFileReportedOnce() async throws {
        try await Self.watching { harness, reloader, log, file in
            try "providers:\n  first: { type: opanai }\n".write(toFile: file, atomically: true, encoding: .utf8)
            try await Self.eventually { !log.lines.withLock { $0 }.isEmpty }
            #expect(!reloader.reload(reason: "SIGHUP"))
            try await Task.sleep(for: .milliseconds(300))
            let failures = log.lines.withLock { $0 }.filter { $0.contains("config not reloaded") }
            #expect(failures.count == 1, "\(failures)")
            try Self.config(harness.upstreamURLs, routeTo: "second").write(toFile: file, atomically: true, encoding: .utf8)
            #expect(reloader.reload(reason: "SIGHUP"))
            try await Task.sleep(for: .milliseconds(600))
            #expect(log.reloads.count == 1, "\(log.reloads)")
            #expect(log.lines.withLock { $0 }.count == 2)
        }
    }

    @Test("a reload under load switches routes without a single failed request")
    func reloadUnderLoad() async throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.writeAndLoad(Self.config($0, routeTo: "first"), to: file) }) {
            harness in
            let load = LoadRecord()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var afterReload = 0
                        // Each worker keeps sending until it has sent 10 requests after the reload.
                        for _ in 0..<500 where afterReload < 10 {
                            if load.reloaded.load(ordering: .acquiring) { afterReload += 1 }
                            let response = try await harness.send("/v1/messages", json: Self.request)
                            load.statuses.withLock { $0.append(response.status) }
                        }
                    }
                }
                for _ in 0..<500 where harness.upstreams[0].received.count < 8 { try await Task.sleep(for: .milliseconds(10)) }
                let urls = harness.upstreamURLs
                try Self.config(urls, routeTo: "second").write(toFile: file, atomically: true, encoding: .utf8)
                #expect(Self.reloader(harness, file: file).reload(reason: "test"))
                load.reloaded.store(true, ordering: .releasing)
                try await group.waitForAll()
            }
            let all = load.statuses.withLock { $0 }
            #expect(all.count >= 40)
            #expect(all.allSatisfy { $0 == 200 }, "every request succeeded across the reload")
            #expect(harness.upstreams[0].received.count > 0)
            #expect(harness.upstreams[1].received.count >= 40, "after the reload every request went to the new route")
        }
    }

    @Test("an invalid new config is rejected and the old one keeps serving")
    func invalidConfigRejected() async throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await ProxyHarness.run(
            upstreamCount: 2,
            settings: { urls in
                try ConfigFile.load(text: Self.config(urls, routeTo: "first"), file: file, environment: [:])
            }
        ) { harness in
            try "providers:\n  first: { type: opanai }\n".write(toFile: file, atomically: true, encoding: .utf8)
            #expect(!Self.reloader(harness, file: file).reload(reason: "test"))
            let response = try await harness.send("/v1/messages", json: Self.request)
            #expect(response.status == 200)
            #expect(harness.upstreams[0].received.count == 1)
        }
    }

    @Test("editing the watched file reloads it")
    func fileChangeReloads() async throws {
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.writeAndLoad(Self.config($0, routeTo: "first"), to: file) }) {
            harness in
            let reloader = Self.reloader(harness, file: file, pollInterval: .milliseconds(50))
            let watching = Task { try await reloader.run() }
            defer { watching.cancel() }
            try await Task.sleep(for: .milliseconds(120))
            let urls = harness.upstreamURLs
            try Self.config(urls, routeTo: "second").write(toFile: file, atomically: true, encoding: .utf8)
            for _ in 0..<100 where harness.live.settings.routes.first?.provider != "second" {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(harness.live.settings.routes.first?.provider == "second")
        }
    }
}

/// What the load workers share.
final class LoadRecord: Sendable {
    let reloaded = Atomic<Bool>(false)
    let statuses = Mutex<[Int]>([])
}

/// A reloader's log lines.
final class LogRecord: Sendable {
    let lines = Mutex<[String]>([])

    /// The lines that report settings applied.
    var reloads: [String] { lines.withLock { $0 }.filter { $0.contains("config reloaded") } }
}
