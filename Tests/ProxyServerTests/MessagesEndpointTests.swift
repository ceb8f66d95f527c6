import CurlHTTP
import HTTPTypes
import ProxyCore
import ProxyServer
import Testing

/// `/v1/messages` through the real server, the real libcurl client and the mock upstream.
@Suite("POST /v1/messages end to end", .timeLimit(.minutes(1)))
struct MessagesEndpointTests {
    static let haikuRequest: JSONValue = [
        "model": "claude-3-5-haiku-20241022", "max_tokens": 128000,
        "system": [
            ["type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.331; cch=ab12c;"],
            ["type": "text", "text": "You are terse."],
        ],
        "messages": [["role": "user", "content": "Hello"]],
    ]

    @Test("the upstream request goes to {OPENAI_BASE_URL}/chat/completions with Bearer auth and the mapped model")
    func upstreamRequestIsTranslated() async throws {
        try await ProxyHarness.run(environment: ["OPENAI_API_KEY": "sk-up", "SMALL_MODEL": "small-model"]) { harness in
            harness.upstream.script(.json(body: MockUpstream.completion(text: "Hi there")))
            let (status, _) = try await harness.sendJSON("/v1/messages?beta=true", json: Self.haikuRequest)
            #expect(status == 200)
            let received = try #require(harness.upstream.received.first)
            #expect(received.path == "/v1/chat/completions")
            #expect(received.query == "")
            #expect(received.headers[.authorization] == "Bearer sk-up")
            #expect(received.body["model"] == "small-model")
            #expect(received.body["max_tokens"] == 16384, "128000 is capped at the default MAX_TOKENS_LIMIT")
            #expect(received.body["messages"] == [["role": "system", "content": "You are terse."], ["role": "user", "content": "Hello"]])
            #expect(received.body["stream"] == nil)
        }
    }

    @Test(
        "sonnet maps to MIDDLE_MODEL, opus to BIG_MODEL, other names pass unchanged",
        arguments: [
            ("claude-sonnet-4-5", "middle"), ("claude-opus-5-5", "big"), ("claude-3-haiku", "small"), ("gpt-4.1", "gpt-4.1"),
        ])
    func modelMapping(clientModel: String, upstreamModel: String) async throws {
        let environment = ["OPENAI_API_KEY": "k", "BIG_MODEL": "big", "MIDDLE_MODEL": "middle", "SMALL_MODEL": "small"]
        try await ProxyHarness.run(environment: environment) { harness in
            let request: JSONValue = ["model": .string(clientModel), "max_tokens": 200, "messages": [["role": "user", "content": "x"]]]
            let (status, json) = try await harness.sendJSON("/v1/messages", json: request)
            #expect(status == 200)
            #expect(harness.upstream.received.first?.body["model"] == .string(upstreamModel))
            #expect(json["model"] == .string(clientModel), "the response echoes the client's model name")
        }
    }

    @Test(
        "max_tokens: below MIN_TOKENS_LIMIT or ≤ 0 becomes DEFAULT_MAX_TOKENS, above MAX_TOKENS_LIMIT is capped",
        arguments: [
            (0, 700), (-5, 700), (50, 700), (150, 150), (5000, 3000),
        ])
    func maxTokensRules(requested: Int, expected: Int) async throws {
        let environment = ["OPENAI_API_KEY": "k", "MIN_TOKENS_LIMIT": "100", "DEFAULT_MAX_TOKENS": "700", "MAX_TOKENS_LIMIT": "3000"]
        try await ProxyHarness.run(environment: environment) { harness in
            let request: JSONValue = [
                "model": "claude-3-haiku", "max_tokens": .integer(Int64(requested)), "messages": [["role": "user", "content": "x"]],
            ]
            _ = try await harness.sendJSON("/v1/messages", json: request)
            #expect(harness.upstream.received.first?.body["max_tokens"] == .integer(Int64(expected)))
        }
    }

    @Test("a non-streaming answer is an Anthropic message with usage excluding cached tokens")
    func nonStreamingResponse() async throws {
        try await ProxyHarness.run { harness in
            let usage: JSONValue = ["prompt_tokens": 120, "completion_tokens": 9, "prompt_tokens_details": ["cached_tokens": 100]]
            harness.upstream.script(.json(body: MockUpstream.completion(text: "Hi there", usage: usage)))
            let response = try await harness.send("/v1/messages", json: Self.haikuRequest)
            #expect(response.status == 200)
            let json = try JSONParser.parse(response.body)
            #expect(json["type"] == "message")
            #expect(json["role"] == "assistant")
            #expect(json["model"] == "claude-3-5-haiku-20241022")
            #expect(json["content"] == [["type": "text", "text": "Hi there"]])
            #expect(json["stop_reason"] == "end_turn")
            #expect(json["stop_sequence"] == .null)
            #expect(
                json["usage"] == ["input_tokens": 20, "output_tokens": 9, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 100])
            #expect(json["id"]?.stringValue?.hasPrefix("msg_") == true)
            #expect(response.headers.contains { $0.name == "x-proxy-upstream-model" && $0.value == "gpt-4o-mini" })
            #expect(response.headers.contains { $0.name == "request-id" && $0.value.hasPrefix("req_") })
        }
    }

    @Test("a streamed answer follows Anthropic's event grammar and carries the trailing usage")
    func streamingEventOrder() async throws {
        try await ProxyHarness.run { harness in
            harness.upstream.script(.stream(events: MockUpstream.streamedText(["Hel", "lo", " world"])))
            var request = Self.haikuRequest
            if case .object(var members) = request { members.append(("stream", true)); request = .object(members) }
            let (status, events) = try await harness.stream(json: request)
            #expect(status == 200)
            #expect(
                events.map(\.name) == [
                    "message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta",
                    "content_block_delta", "content_block_stop", "message_delta", "message_stop",
                ])
            #expect(events[0].data["message"]?["model"] == "claude-3-5-haiku-20241022")
            #expect(events[2].data["content_block"] == ["type": "text", "text": ""])
            let text = events.compactMap { $0.data["delta"]?["text"]?.stringValue }.joined()
            #expect(text == "Hello world")
            #expect(events[7].data["delta"]?["stop_reason"] == "end_turn")
            #expect(events[7].data["usage"]?["input_tokens"] == 20)
            #expect(events[7].data["usage"]?["output_tokens"] == 7)
            let upstreamBody = try #require(harness.upstream.received.first?.body)
            #expect(upstreamBody["stream"] == true)
            #expect(upstreamBody["stream_options"] == ["include_usage": true])
        }
    }

    @Test("without upstream usage the counts are estimated, never 0")
    func estimatedUsage() async throws {
        try await ProxyHarness.run { harness in
            harness.upstream.script(.json(body: MockUpstream.completion(text: "Some reply text", usage: nil)))
            let (_, json) = try await harness.sendJSON("/v1/messages", json: Self.haikuRequest)
            let input = try #require(json["usage"]?["input_tokens"]?.intValue)
            let output = try #require(json["usage"]?["output_tokens"]?.intValue)
            #expect(input > 0)
            #expect(output == 4, "15 characters at ~4 per token")
        }
    }

    @Test("an upstream 429 becomes an Anthropic rate_limit_error with retry-after passed through")
    func upstreamRateLimit() async throws {
        try await ProxyHarness.run { harness in
            harness.upstream.script(
                .json(status: 429, body: ["error": ["message": "Rate limit reached", "type": "requests"]], headers: [("retry-after", "7")]))
            let response = try await harness.send("/v1/messages", json: Self.haikuRequest)
            #expect(response.status == 429)
            let json = try JSONParser.parse(response.body)
            #expect(json["type"] == "error")
            #expect(json["error"]?["type"] == "rate_limit_error")
            #expect(json["error"]?["message"]?.stringValue?.contains("Rate limit reached") == true)
            #expect(response.headers.contains { $0.name == "retry-after" && $0.value == "7" })
        }
    }

    @Test("a provider without its API key fails clearly when a request is routed to it, and never calls upstream")
    func missingProviderKey() async throws {
        try await ProxyHarness.run(environment: [:]) { harness in
            let response = try await harness.send("/v1/messages", json: Self.haikuRequest)
            #expect(response.status == 401)
            let json = try JSONParser.parse(response.body)
            #expect(json["error"]?["type"] == "authentication_error")
            #expect(json["error"]?["message"]?.stringValue?.contains("OPENAI_API_KEY") == true)
            #expect(harness.upstream.received.isEmpty)
        }
    }

    @Test(
        "malformed bodies get a 400 naming the problem, and the server keeps serving",
        arguments: [
            ("{not json", "not valid JSON"), (#"{"model":"claude-3-haiku"}"#, "messages: is required"),
            (#"{"model":7,"messages":[]}"#, "model: must be a string"),
            (#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#, "messages.0.role"),
        ])
    func malformedBodies(body: String, expectedMessage: String) async throws {
        try await ProxyHarness.run { harness in
            let response = try await harness.client.execute(
                .init(method: "POST", url: "http://127.0.0.1:\(harness.proxyPort)/v1/messages", body: Array(body.utf8))
            )
            let json = try JSONParser.parse(try await response.body.collect(upTo: 1 << 20))
            #expect(response.status == 400)
            #expect(json["error"]?["type"] == "invalid_request_error")
            #expect(json["error"]?["message"]?.stringValue?.contains(expectedMessage) == true)
            let (status, _) = try await harness.sendJSON("/v1/messages", json: Self.haikuRequest)
            #expect(status == 200)
        }
    }

    @Test("a client that disconnects while the upstream is silent cancels the upstream request at once", arguments: [false, true])
    func clientDisconnectCancelsUpstream(stream: Bool) async throws {
        try await ProxyHarness.run { harness in
            harness.upstream.script(.hang)
            var request = Self.haikuRequest
            if case .object(var members) = request { members.append(("stream", .bool(stream))); request = .object(members) }
            let sending = Task { try await harness.send("/v1/messages", json: request) }
            for _ in 0..<200 where harness.upstream.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(harness.upstream.received.count == 1)
            let cancelledAt = ContinuousClock.now
            sending.cancel()
            _ = try? await sending.value
            try await Self.expectUpstreamClosed(harness, soonAfter: cancelledAt)
        }
    }

    /// The mock's silent upstream connection closed within 500 ms of `instant`.
    static func expectUpstreamClosed(_ harness: ProxyHarness, soonAfter instant: ContinuousClock.Instant) async throws {
        for _ in 0..<200 where harness.upstream.hangClosedAt == nil { try await Task.sleep(for: .milliseconds(5)) }
        let closedAt = try #require(harness.upstream.hangClosedAt, "the upstream connection was never closed")
        #expect(closedAt - instant < .milliseconds(500))
    }

    /// A streaming request whose upstream sends "Hel" and then stays silent with the connection open.
    static func silentStream(_ harness: ProxyHarness) async throws -> HTTPClientResponse {
        harness.upstream.script(.streamThenSilence(events: Array(MockUpstream.streamedText(["Hel"], usage: nil).dropLast())))
        var request = haikuRequest
        if case .object(var members) = request { members.append(("stream", .bool(true))); request = .object(members) }
        return try await harness.client.execute(
            .init(method: "POST", url: "http://127.0.0.1:\(harness.proxyPort)/v1/messages", body: request.serialized()))
    }

    @Test("a client that leaves in the middle of a stream cancels the upstream request at once")
    func clientLeavingMidStreamCancelsUpstream() async throws {
        try await ProxyHarness.run { harness in
            let reading = Task {
                let response = try await Self.silentStream(harness)
                var received: [UInt8] = []
                for try await chunk in response.body {
                    received += chunk
                    if String(decoding: received, as: UTF8.self).contains("text_delta") { return true }
                }
                return false
            }
            #expect(try await reading.value, "the first text delta never arrived")
            // The response body was dropped: its transfer is cancelled, the proxy's client connection closes.
            try await Self.expectUpstreamClosed(harness, soonAfter: .now)
        }
    }

    @Test("each client connection is tracked while open and forgotten when it closes, however many requests it carried")
    func connectionWatchesAreReleased() async throws {
        try await ProxyHarness.run { harness in
            for _ in 0..<20 {
                harness.upstream.script(.json(body: MockUpstream.completion(text: "ok")))
                let (status, _) = try await harness.sendJSON("/v1/messages", json: Self.haikuRequest)
                #expect(status == 200)
            }
            // The harness's client kept one connection alive for all 20 requests.
            #expect(harness.connections.openConnections == 1)
            harness.client.shutdown()  // closes it
            for _ in 0..<200 where harness.connections.openConnections > 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(harness.connections.openConnections == 0)
        }
    }

    @Test("a stream sends ping events every ping_interval while the upstream is silent")
    func pingsWhileSilent() async throws {
        try await ProxyHarness.run(settings: { $0.server.pingInterval = .milliseconds(100) }) { harness in
            let response = try await Self.silentStream(harness)
            var received: [UInt8] = []
            let started = ContinuousClock.now
            for try await chunk in response.body {
                received += chunk
                let text = String(decoding: received, as: UTF8.self)
                guard text.hasSuffix("\n\n") else { continue }
                if text.split(separator: "event: ping", omittingEmptySubsequences: false).count > 3
                    || ContinuousClock.now - started > .seconds(5)
                {
                    break
                }
            }
            let events = try SSEEvents.parse(received)
            #expect(events.filter { $0.name == "ping" }.count >= 3)
            #expect(events.first?.name == "message_start")
            #expect(events.compactMap { $0.data["delta"]?["text"]?.stringValue }.joined() == "Hel")
        }
    }
}
