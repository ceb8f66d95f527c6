import Logging
import ProxyConfig
import ProxyCore
import ProxyStore
import StoreTestSupport
import Testing

@testable import ProxyServer

/// A successful answer's last bytes wait for its ledger row's commit, whichever protocol the upstream speaks:
/// with another process holding the store's write lock, the answer cannot end before the lock is released.
@Suite("Ledger rows before the answer's end", .timeLimit(.minutes(1)))
struct LedgerDurabilityTests {
    static func settings(_ urls: [String]) throws -> ProxySettings {
        try ConfigFile.load(
            text: """
                server: { api_keys: ["\(GatewayFixture.staticKey)"] }
                providers:
                  chat: { type: openai, base_url: "\(urls[0])/v1", api_key: k }
                  native: { type: anthropic, base_url: "\(urls[1])", api_key: k }
                  responses: { type: openai-responses, base_url: "\(urls[2])/v1", api_key: k }
                models:
                  - { match: "*chat*", provider: chat, model: gpt-4o }
                  - { match: "*native*", provider: native, model: claude-x }
                  - { match: "*", provider: responses, model: gpt-5-codex }
                """, file: "c.yaml", environment: [:])
    }

    /// Holds the SQLite file's write lock from a connection of its own for `duration`, as a `keys` command
    /// in another process would while it writes.
    static func holdingWriteLock(_ settings: StoreSettings, for duration: Duration) -> Task<Void, any Error> {
        Task {
            let other = GatewayStore(settings: settings, logger: Logger(label: "other-process"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await other.database.run() }
                defer { group.cancelAll() }
                try await other.database.transaction { transaction in
                    _ = try await transaction.query("DELETE FROM ccp_key_minutes WHERE minute < 0", [])
                    try await Task.sleep(for: duration)
                }
            }
        }
    }

    @Test(
        "with the store's write lock held for 1 s, a stream cannot end before it: chat completions, Anthropic-native, Responses",
        arguments: ["claude-chat", "claude-native", "claude-responses"])
    func answerWaitsForItsRow(model: String) async throws {
        try await ProxyHarness.run(upstreamCount: 3, store: .sqlite, settings: { try Self.settings($0) }) { harness in
            harness.upstreams[0].script(.stream(events: MockUpstream.streamedText(["a", "b"])))
            harness.upstreams[1].script(
                .raw(status: 200, contentType: "text/event-stream", body: AnthropicAdapterTests.sse(AnthropicAdapterTests.upstreamEvents)))
            harness.upstreams[2].script(ResponsesAdapterTests.stream(ResponsesAdapterTests.textAnswer(index: 0)))
            let lock = Self.holdingWriteLock(harness.gateway!.settings, for: .seconds(1))
            try await Task.sleep(for: .milliseconds(100))
            // Read as a client does, event by event: the answer is complete at its message_stop.
            let body = JSONValue.object([
                ("model", .string(model)), ("max_tokens", 50), ("stream", true), ("messages", [["role": "user", "content": "hi"]]),
            ]).serializedString()
            let started = ContinuousClock.now
            let connection = try RawConnection(
                port: harness.proxyPort,
                sending: "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: \(GatewayFixture.staticKey)\r\n"
                    + "content-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)")
            let received = await connection.read(within: .seconds(5), until: "event: message_stop")
            let elapsed = ContinuousClock.now - started
            try await lock.value
            #expect(received.hasPrefix("HTTP/1.1 200"))
            #expect(received.contains("event: message_stop"))
            #expect(elapsed >= .milliseconds(800), "message_stop came after \(elapsed), before its row could be committed")
            let rows = try await harness.ledger()
            #expect(rows.count == 1 && rows.first?.int(2) == 200)
        }
    }

    @Test("an Anthropic-native stream that relays an upstream error event is a failure in the ledger, not a success")
    func relayedError() async throws {
        try await ProxyHarness.run(upstreamCount: 3, store: .sqlite, settings: { try Self.settings($0) }) { harness in
            let events =
                Array(AnthropicAdapterTests.upstreamEvents.prefix(3)) + [
                    #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
                ]
            harness.upstreams[1].script(.raw(status: 200, contentType: "text/event-stream", body: AnthropicAdapterTests.sse(events)))
            let (status, received) = try await harness.stream(
                json: ["model": "claude-native", "max_tokens": 50, "stream": true, "messages": [["role": "user", "content": "hi"]]],
                headers: GatewayFixture.key(GatewayFixture.staticKey))
            #expect(status == 200)
            #expect(received.last?.name == "error")
            try await waitUntil("the row is written") { try await harness.ledger().count == 1 }
            #expect(try await harness.ledger().first?.int(2) == 529)
        }
    }

    @Test("past store.ledger_wait an answer ends anyway: its row stays queued and is written after")
    func boundedWait() async throws {
        var (store, cleanUp) = try await TestStores.fresh(.sqlite)
        defer { cleanUp() }
        store.ledgerWait = .milliseconds(300)
        try await ProxyHarness.run(
            upstreamCount: 3,
            settings: { urls in
                var settings = try Self.settings(urls)
                settings.store = store
                return settings
            }
        ) { harness in
            try await waitUntil("the store is ready") { harness.gateway!.isReady }
            harness.upstreams[0].script(.stream(events: MockUpstream.streamedText(["a"])))
            let lock = Self.holdingWriteLock(harness.gateway!.settings, for: .seconds(2))
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            let (status, _) = try await harness.stream(
                json: ["model": "claude-chat", "max_tokens": 50, "stream": true, "messages": [["role": "user", "content": "hi"]]],
                headers: GatewayFixture.key(GatewayFixture.staticKey))
            let elapsed = ContinuousClock.now - started
            #expect(status == 200)
            #expect(elapsed < .milliseconds(1500), "the answer waited \(elapsed), past ledger_wait")
            try await lock.value
            try await waitUntil("the row is written once the lock is gone") { try await harness.ledger().count == 1 }
        }
    }
}
