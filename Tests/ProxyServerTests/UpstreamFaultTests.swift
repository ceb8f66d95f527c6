import ProxyConfig
import ProxyCore
import Testing

/// Every upstream failure reaches the client as a well-formed Anthropic error: an HTTP error before the
/// first byte, an SSE `error` event after it.
@Suite("Upstream faults", .timeLimit(.minutes(1)))
struct UpstreamFaultTests {
    static func request(stream: Bool) -> JSONValue {
        ["model": "claude-3-haiku", "max_tokens": 100, "stream": .bool(stream), "messages": [["role": "user", "content": "x"]]]
    }

    @Test(
        "faults before the first byte become HTTP errors",
        arguments: [
            ("connection closed without an answer", MockUpstream.Reply.closeConnection, 502, "api_error"),
            (
                "200 with a body that is not JSON", .raw(status: 200, contentType: "application/json", body: "<html>oops</html>"), 502,
                "api_error"
            ),
            (
                "200 with truncated JSON",
                .raw(status: 200, contentType: "application/json", body: #"{"choices":[{"message":{"content":"hi"#), 502, "api_error"
            ),
            ("slow first byte", .delayed(.seconds(3), body: MockUpstream.completion(text: "late")), 504, "timeout_error"),
        ] as [(String, MockUpstream.Reply, Int, String)])
    func beforeFirstByte(name: String, reply: MockUpstream.Reply, status: Int, type: String) async throws {
        // A timeout well above a loaded machine's stalls, so only the slow reply meets it.
        try await ProxyHarness.run(settings: { $0.server.upstreamTimeout = .milliseconds(1200) }) { harness in
            harness.upstream.script(reply, reply)  // libcurl retries a connection closed before any answer once
            let response = try await harness.send("/v1/messages", json: Self.request(stream: false))
            let json = try JSONParser.parse(response.body)
            #expect(response.status == status, "\(name)")
            #expect(json["type"] == "error")
            #expect(json["error"]?["type"] == .string(type), "\(name): \(json)")
        }
    }

    @Test(
        "unreachable providers are 502s naming the provider",
        arguments: [
            ("DNS failure", "http://no-such-host.invalid/v1", "could not resolve"),
            ("TLS failure", "https://127.0.0.1:PORT/v1", "TLS"),
            ("connection refused", "http://127.0.0.1:9/v1", "connection refused"),
        ])
    func unreachable(name: String, baseURL: String, detail: String) async throws {
        try await ProxyHarness.run(
            upstreamCount: 1,
            settings: { urls in
                let port = urls[0].split(separator: ":").last.map(String.init) ?? "0"
                let environment = ["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": baseURL.replacing("PORT", with: port)]
                return try ProxyConfig.EnvironmentSettings.load(environment: environment)
            }
        ) { harness in
            let response = try await harness.send("/v1/messages", json: Self.request(stream: false))
            let json = try JSONParser.parse(response.body)
            #expect(response.status == 502, "\(name)")
            #expect(json["error"]?["type"] == "api_error")
            let message = json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("provider 'openai'") && message.lowercased().contains(detail.lowercased()), "\(name): \(message)")
        }
    }

    @Test(
        "faults after the stream started end it with an SSE error event",
        arguments: [
            (
                "a stream that goes silent (idle timeout)",
                MockUpstream.Reply.streamThenSilence(events: [
                    #"{"choices":[{"index":0,"delta":{"content":"par"}}]}"#
                ]), "timeout_error"
            ),
            (
                "an in-band error chunk",
                .stream(events: [
                    #"{"choices":[{"index":0,"delta":{"content":"par"}}]}"#, #"{"error":{"message":"provider overloaded","code":503}}"#,
                ]), "overloaded_error"
            ),
            (
                "a stream cut without finish or [DONE]", .stream(events: [#"{"choices":[{"index":0,"delta":{"content":"par"}}]}"#]),
                "api_error"
            ),
        ] as [(String, MockUpstream.Reply, String)])
    func afterFirstByte(name: String, reply: MockUpstream.Reply, type: String) async throws {
        try await ProxyHarness.run(settings: { $0.server.upstreamTimeout = .milliseconds(1200) }) { harness in
            harness.upstream.script(reply)
            let (status, events) = try await harness.stream(json: Self.request(stream: true))
            #expect(status == 200)
            #expect(events.first?.name == "message_start")
            #expect(events.last?.name == "error", "\(name)")
            #expect(events.last?.data["error"]?["type"] == .string(type), "\(name)")
            #expect(!events.contains { $0.name == "message_stop" })
        }
    }

    @Test("malformed SSE lines between good ones are skipped")
    func malformedLines() async throws {
        try await ProxyHarness.run { harness in
            var events = MockUpstream.streamedText(["Hel", "lo"])
            events.insert("{not json", at: 2)
            events.insert("", at: 3)
            harness.upstream.script(.stream(events: events))
            let (_, received) = try await harness.stream(json: Self.request(stream: true))
            #expect(received.compactMap { $0.data["delta"]?["text"]?.stringValue }.joined() == "Hello")
            #expect(received.last?.name == "message_stop")
        }
    }
}
