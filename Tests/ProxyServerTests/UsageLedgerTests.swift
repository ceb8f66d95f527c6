import ProxyCore
import ProxyStore
import StoreTestSupport
import Testing

@testable import ProxyServer

/// The usage ledger through the real server: one row per request, written before the answer ends.
@Suite("Usage ledger", .timeLimit(.minutes(2)))
struct UsageLedgerTests {
    typealias Fixture = GatewayFixture

    static let claudeCodeHeaders = [
        (name: "x-claude-code-session-id", value: "session-42"), (name: "x-claude-code-request-class", value: "main"),
        (name: "x-claude-code-agent-type", value: "Explore"),
    ]

    @Test(
        "a row per request, streamed or not, written before the answer's end: who, what, where, tokens, cost, status",
        arguments: StoreKind.available)
    func rows(kind: StoreKind) async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: kind, settings: { try Fixture.settings($0) }) { harness in
            let secret = try await harness.createKey("alice")
            harness.upstream.script(
                .json(body: Fixture.pricedAnswer),
                .stream(events: MockUpstream.streamedText(["a", "b"], usage: ["prompt_tokens": 2000, "completion_tokens": 50])),
                .json(status: 503, body: ["error": ["message": "busy"]]))
            let plain = try await harness.send(
                "/v1/messages", json: Fixture.request(), headers: Fixture.key(secret) + Self.claudeCodeHeaders)
            #expect(plain.status == 200)
            // The row is committed before the answer's last bytes went out: it is there as soon as the answer is.
            let rows = try await harness.ledger()
            #expect(rows.count == 1)
            let requestID = plain.headers.first { $0.name == "request-id" }?.value
            #expect(rows.first?.text(0) == requestID)

            let keyed = try await harness.send("/v1/messages", json: Fixture.request(stream: true), headers: Fixture.key(Fixture.staticKey))
            #expect(keyed.status == 200)
            let failed = try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret))
            #expect(failed.status == 529)
            try await waitUntil("the failed request's row is written") { try await harness.ledger().count == 3 }

            let all = try await harness.ledger(
                "key_name, session_id, request_class, agent_type, client_model, route, provider, upstream_model, input_tokens, "
                    + "output_tokens, cost_usd, status, latency_ms, replica")
            #expect(all.count == 3)
            let first = all[0].values
            #expect(
                Array(first.prefix(8)) == [
                    .text("alice"), .text("session-42"), .text("main"), .text("Explore"), .text("claude-sonnet-4-5"), .text("mock/gpt-4o"),
                    .text("mock"), .text("gpt-4o"),
                ])
            #expect(all[0].int(8) == 1000 && all[0].int(9) == 100 && all[0].int(11) == 200)
            #expect(abs((all[0].double(10) ?? 0) - 0.002) < 1e-12)
            #expect((all[0].int(12) ?? -1) >= 0 && all[0].text(13) != nil)
            // The static key's stream: its name is the key's short hash, its tokens the stream's usage.
            #expect(all[1].text(0) == "static:" + SHA256.hex(Fixture.staticKey).prefix(8))
            #expect(all[1].int(8) == 2000 && all[1].int(9) == 50 && all[1].int(11) == 200)
            // The upstream's 503: the client saw 529, and that is the status; nothing was used.
            #expect(all[2].int(11) == 529 && all[2].int(8) == 0 && all[2].double(10) == 0)
        }
    }

    @Test("a stream its client leaves half-way is a 499 in the ledger, not a success")
    func clientLeaves() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            harness.upstream.script(
                .stream(events: MockUpstream.streamedText(Array(repeating: "word ", count: 20)), delay: .milliseconds(100)))
            let body = Fixture.request(stream: true).serializedString()
            var connection: RawConnection? = try RawConnection(
                port: harness.proxyPort,
                sending: "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: \(Fixture.staticKey)\r\n"
                    + "content-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)")
            #expect(await connection?.read(within: .seconds(5)).contains("200 OK") == true)
            try await Task.sleep(for: .milliseconds(300))
            connection = nil  // closes the socket mid-stream
            try await waitUntil("the row is written") { try await harness.ledger().count == 1 }
            #expect(try await harness.ledger().first?.int(2) == 499)
            _ = connection
        }
    }

    @Test("a request without a valid key leaves no row: nobody can fill the ledger from outside")
    func refusedAtTheDoor() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            for key in ["", "sk-ccp-unknown", "wrong"] {
                let status = try await harness.send("/v1/messages", json: Fixture.request(), headers: key.isEmpty ? [] : Fixture.key(key))
                    .status
                #expect(status == 401)
            }
            let status = try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(Fixture.staticKey)).status
            #expect(status == 200)
            let rows = try await harness.ledger()
            #expect(rows.count == 1)
        }
    }

    @Test("/metrics counts requests, tokens, spend and refusals by key name, never the key, for operators' keys only")
    func metricsByKey() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            let secret = try await harness.createKey("alice", limits: KeyLimits(requestsPerMinute: 1))
            harness.upstream.script(.json(body: Fixture.pricedAnswer))
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 200)
            #expect(try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 429)
            // The refusal's row is not waited for (its client saw no success): it follows.
            try await waitUntil("both rows are written") { try await harness.ledger().count == 2 }
            // Operators' keys only: a developer's managed key may not read every key's spend.
            #expect(try await harness.send("/metrics", method: "GET", headers: Fixture.key(secret)).status == 401)
            #expect(try await harness.send("/metrics", method: "GET", headers: Fixture.admin).status == 200)
            let text = String(
                decoding: try await harness.send("/metrics", method: "GET", headers: Fixture.key(Fixture.staticKey)).body, as: UTF8.self)
            #expect(MetricsTests.value(text, #"claude_code_proxy_key_requests_total{key="alice",status_class="2xx"}"#) == 1)
            #expect(MetricsTests.value(text, #"claude_code_proxy_key_requests_total{key="alice",status_class="4xx"}"#) == 1)
            #expect(MetricsTests.value(text, #"claude_code_proxy_key_tokens_total{key="alice",type="input"}"#) == 1000)
            #expect(
                MetricsTests.value(text, #"claude_code_proxy_key_spend_dollars_total{key="alice"}"#).map { abs($0 - 0.002) < 1e-9 } == true)
            #expect(MetricsTests.value(text, #"claude_code_proxy_limit_refusals_total{key="alice",limit="rpm"}"#) == 1)
            #expect(MetricsTests.value(text, #"claude_code_proxy_ledger_rows_total{outcome="written"}"#) == 2)
            #expect(MetricsTests.value(text, "claude_code_proxy_store_up") == 1)
            #expect(MetricsTests.value(text, "claude_code_proxy_ledger_queue_rows") == 0)
            #expect(!text.contains(secret))
            for name in ProxyMetrics.Name.help.keys
            where ["claude_code_proxy_key_", "claude_code_proxy_limit_", "claude_code_proxy_ledger_", "claude_code_proxy_store_"].contains(
                where: name.hasPrefix)
            {
                #expect(text.contains("# HELP \(name) "), "\(name) has help text")
            }
        }
    }
}
