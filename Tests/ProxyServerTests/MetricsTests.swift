import Logging
import ProxyConfig
import ProxyCore
import ProxyServer
import Synchronization
import Testing

/// `GET /metrics` and the access line: what one request leaves behind for an operator.
@Suite("Metrics and access log", .timeLimit(.minutes(1)))
struct MetricsTests {
    static func settings(_ urls: [String], server: String = "") throws -> ProxySettings {
        let text = """
            server: { \(server) }
            providers:
              first: { type: openai, base_url: "\(urls[0])/v1", api_key: k1 }
              second: { type: openai, base_url: "\(urls[1])/v1", api_key: k2 }
            models:
              - { match: "*", provider: first, model: gpt-4o, fallbacks: [{ provider: second, model: gpt-4o-mini }] }
            """
        return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
    }

    static let request: JSONValue = ["model": "claude-sonnet-4-5", "max_tokens": 200, "messages": [["role": "user", "content": "hi"]]]

    static func streaming(_ request: JSONValue) -> JSONValue {
        guard case .object(var members) = request else { return request }
        members.append(("stream", true))
        return .object(members)
    }

    /// The value of the series whose line starts with `series` (name and labels as Prometheus writes them).
    static func value(_ exposition: String, _ series: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("requests, tokens, latencies, fallbacks and failures are counted, each metric with its help text")
    func series() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            harness.upstreams[0].script(
                .json(body: MockUpstream.completion(text: "one", usage: ["prompt_tokens": 12, "completion_tokens": 5])),
                .stream(events: MockUpstream.streamedText(["a", "b"], usage: ["prompt_tokens": 20, "completion_tokens": 7])),
                .json(status: 503, body: ["error": ["message": "busy"]]))
            harness.upstreams[1].script(.json(body: MockUpstream.completion(text: "two")))
            let compaction = [(name: "x-claude-code-request-class", value: "compaction")]
            #expect(try await harness.send("/v1/messages", json: Self.request, headers: compaction).status == 200)
            #expect(try await harness.stream(json: Self.streaming(Self.request)).status == 200)
            let unknown = [(name: "x-claude-code-request-class", value: "class-\(UInt32.random(in: 0...UInt32.max))")]
            #expect(try await harness.send("/v1/messages", json: Self.request, headers: unknown).status == 200)
            #expect(try await harness.send("/v1/messages", json: ["model": "x"]).status == 400)

            let response = try await harness.send("/metrics", method: "GET")
            #expect(response.status == 200)
            #expect(response.headers.contains { $0.name == "content-type" && $0.value.hasPrefix("text/plain; version=0.0.4") })
            let text = String(decoding: response.body, as: UTF8.self)
            let requests = "claude_code_proxy_requests_total"
            #expect(
                Self.value(
                    text,
                    #"\#(requests){client_model="claude-sonnet-4-5",request_class="compaction",route="first/gpt-4o",status_class="2xx",stream="false"}"#
                )
                    == 1)
            #expect(
                Self.value(
                    text,
                    #"\#(requests){client_model="claude-sonnet-4-5",request_class="none",route="first/gpt-4o",status_class="2xx",stream="true"}"#
                )
                    == 1)
            #expect(
                Self.value(
                    text,
                    #"\#(requests){client_model="claude-sonnet-4-5",request_class="other",route="second/gpt-4o-mini",status_class="2xx",stream="false"}"#
                )
                    == 1)
            #expect(
                Self.value(text, #"\#(requests){client_model="none",request_class="none",route="none",status_class="4xx",stream="false"}"#)
                    == 1)
            #expect(Self.value(text, #"claude_code_proxy_tokens_total{provider="first",model="gpt-4o",type="input"}"#) == 32)
            #expect(Self.value(text, #"claude_code_proxy_tokens_total{provider="first",model="gpt-4o",type="output"}"#) == 12)
            #expect(Self.value(text, #"claude_code_proxy_fallbacks_total{provider="first",model="gpt-4o"}"#) == 1)
            #expect(Self.value(text, #"claude_code_proxy_upstream_failures_total{provider="first",kind="overloaded_error"}"#) == 1)
            #expect(Self.value(text, #"claude_code_proxy_time_to_first_token_seconds_count{provider="first",model="gpt-4o"}"#) == 1)
            #expect(Self.value(text, #"claude_code_proxy_upstream_response_seconds_count{provider="first",model="gpt-4o"}"#) == 2)
            #expect(Self.value(text, #"claude_code_proxy_request_duration_seconds_count{route="first/gpt-4o",stream="true"}"#) == 1)
            #expect(Self.value(text, "claude_code_proxy_requests_in_flight") == 0)
            #expect(Self.value(text, "claude_code_proxy_streams_in_flight") == 0)
            #expect(Self.value(text, "claude_code_proxy_cooldowns_active") == 0)
            // The series of client keys and of the store appear only with them (GatewayTests checks those).
            let keyed = ["claude_code_proxy_key_", "claude_code_proxy_limit_", "claude_code_proxy_ledger_", "claude_code_proxy_store_"]
            for name in ProxyMetrics.Name.help.keys where !keyed.contains(where: name.hasPrefix) {
                #expect(text.contains("# HELP \(name) "), "\(name) has help text")
            }
        }
    }

    @Test("a request that fails before its upstream answers is counted against the target chosen for it")
    func failedRequestsNameTheirTarget() async throws {
        try await ProxyHarness.run(
            upstreamCount: 1,
            settings: { urls in
                let text = """
                    providers:
                      keyless: { type: openai, base_url: "\(urls[0])/v1" }
                      first: { type: openai, base_url: "\(urls[0])/v1", api_key: k1 }
                    models:
                      - { match: "*keyless*", provider: keyless, model: gpt-4o }
                      - { match: "*", provider: first, model: gpt-4o }
                    """
                return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
            }
        ) { harness in
            harness.upstreams[0].script(.json(status: 503, body: ["error": ["message": "busy"]]))
            let keyless: JSONValue = ["model": "keyless-model", "max_tokens": 10, "messages": [["role": "user", "content": "x"]]]
            #expect(try await harness.send("/v1/messages", json: keyless).status == 401)
            #expect(try await harness.send("/v1/messages", json: Self.request).status / 100 == 5)
            let text = String(decoding: try await harness.send("/metrics", method: "GET").body, as: UTF8.self)
            let requests = "claude_code_proxy_requests_total"
            #expect(
                Self.value(
                    text,
                    #"\#(requests){client_model="keyless-model",request_class="none",route="keyless/gpt-4o",status_class="4xx",stream="false"}"#
                )
                    == 1)
            #expect(
                Self.value(
                    text,
                    #"\#(requests){client_model="claude-sonnet-4-5",request_class="none",route="first/gpt-4o",status_class="5xx",stream="false"}"#
                )
                    == 1)
            #expect(!text.contains(#"route="none""#), "\(text)")
        }
    }

    @Test(
        "server.metrics: key asks for a client key when keys are configured, open does not, off hides it",
        arguments: [("key", 401, 200), ("open", 200, 200), ("off", 404, 404)]
    )
    func access(mode: String, withoutKey: Int, withKey: Int) async throws {
        try await ProxyHarness.run(
            upstreamCount: 2, settings: { try Self.settings($0, server: #"api_keys: ["client-key"], metrics: \#(mode)"#) }
        ) { harness in
            #expect(try await harness.send("/metrics", method: "GET").status == withoutKey)
            let keyed = try await harness.send("/metrics", method: "GET", headers: [(name: "authorization", value: "Bearer client-key")])
            #expect(keyed.status == withKey)
        }
    }

    @Test("client model names past the first 200 count as other")
    func boundedLabels() async throws {
        try await ProxyHarness.run(upstreamCount: 2, settings: { try Self.settings($0) }) { harness in
            for index in 0..<203 {
                let request: JSONValue = ["model": .string("m\(index)"), "max_tokens": 10, "messages": [["role": "user", "content": "x"]]]
                #expect(try await harness.send("/v1/messages", json: request).status == 200)
            }
            let text = String(decoding: try await harness.send("/metrics", method: "GET").body, as: UTF8.self)
            #expect(
                Self.value(
                    text,
                    #"claude_code_proxy_requests_total{client_model="other",request_class="none",route="first/gpt-4o",status_class="2xx",stream="false"}"#
                )
                    == 3)
            #expect(text.split(separator: "\n").filter { $0.hasPrefix("claude_code_proxy_requests_total{") }.count == 201)
        }
    }

    @Test(
        "each request leaves one access line: method, path, status, Claude Code's class and agent, route, latency, first token, tokens, request id"
    )
    func accessLine() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "capture") { label in
            ConsoleLogHandler(label: label, level: .info, redactor: SecretRedactor(secrets: [])) { line in
                lines.withLock { $0.append(line) }
            }
        }
        logger.logLevel = .info
        try await ProxyHarness.run(upstreamCount: 2, logger: logger, settings: { try Self.settings($0) }) {
            (harness: ProxyHarness) async throws in
            harness.upstreams[0].script(
                .stream(events: MockUpstream.streamedText(["a", "b"], usage: ["prompt_tokens": 20, "completion_tokens": 7])))
            #expect(try await harness.stream(json: Self.streaming(Self.request)).status == 200)
            #expect(try await harness.send("/health", method: "GET").status == 200)
            harness.upstreams[0].script(.json(body: MockUpstream.completion(text: "one")))
            let hints = [
                (name: "x-claude-code-request-class", value: "blocking-subagent"), (name: "x-claude-code-agent-type", value: "Explore"),
            ]
            #expect(try await harness.send("/v1/messages", json: Self.request, headers: hints).status == 200)
        }
        let access = lines.withLock { $0 }.filter { $0.contains("POST /v1/messages ") }
        #expect(access.count == 2, "\(access)")
        #expect(access.last?.contains("POST /v1/messages 200 claude-sonnet-4-5 (blocking-subagent, Explore) → first/gpt-4o ") == true)
        let line = try #require(access.first)
        #expect(line.contains("POST /v1/messages 200 claude-sonnet-4-5 → first/gpt-4o stream "))
        #expect(line.contains(", first token "))
        #expect(line.contains(", tokens 20 in / 7 out"))
        #expect(line.contains("request_id=req_"))
        #expect(!lines.withLock { $0 }.contains { $0.contains("GET /health") }, "probes are logged at debug")
    }
}
