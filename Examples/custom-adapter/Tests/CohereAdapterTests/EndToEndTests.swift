import ClaudeCodeProxyKit
import ClaudeCodeProxyTestKit
import CohereAdapter
import Logging
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The proxy as `cohere-proxy` runs it (a config file, the registry with the Cohere adapter), in
/// front of a mock Cohere; a client speaks Anthropic's Messages API to it. Everything on 127.0.0.1.
@Suite(.timeLimit(.minutes(1)))
struct EndToEndTests {
    /// What Claude Code sends for a turn after a tool call, as JSON.
    private static let claudeCodeRequest: JSONValue = [
        "model": "claude-sonnet-4-5",
        "max_tokens": 1000,
        "system": [["type": "text", "text": "You are Claude Code.", "cache_control": ["type": "ephemeral"]]],
        "messages": [
            ["role": "user", "content": "Weather in Madrid?"],
            [
                "role": "assistant",
                "content": [
                    ["type": "text", "text": "I will check."],
                    ["type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": ["location": "Madrid"]],
                ],
            ],
            [
                "role": "user",
                "content": [["type": "tool_result", "tool_use_id": "toolu_01", "content": [["type": "text", "text": "24C"]]]],
            ],
        ],
        "tools": [["name": "get_weather", "description": "gets the weather", "input_schema": Fixtures.weatherSchema]],
        "tool_choice": ["type": "auto"],
        "temperature": 1,
        "metadata": ["user_id": "user_abc_account_def_session_123"],
    ]

    private static func request(stream: Bool) -> JSONValue {
        guard case .object(var members) = claudeCodeRequest else { return claudeCodeRequest }
        members.append(("stream", .bool(stream)))
        return .object(members)
    }

    @Test func completeAnswer() async throws {
        try await withProxy { port, cohere in
            cohere.script(.json(body: Fixtures.toolCallAnswer))
            let response = try await LoopbackClient.post(
                port: port, path: "/v1/messages", json: Self.request(stream: false),
                headers: [("x-api-key", "anything"), ("anthropic-version", "2023-06-01")]
            )
            #expect(response.status == 200)
            let message = try JSONParser.parse(response.body)
            #expect(message["type"] == "message")
            #expect(message["role"] == "assistant")
            #expect(message["model"] == "claude-sonnet-4-5")
            #expect(message["id"]?.stringValue?.hasPrefix("msg_") == true)
            #expect(message["stop_reason"] == "tool_use")
            #expect(
                message["content"] == [
                    ["type": "text", "text": "I will use the weather tool to find out the weather in San Francisco."],
                    ["type": "tool_use", "id": "weather_dqgshstja6p9", "name": "weather", "input": ["location": "San Francisco"]],
                ])
            #expect(message["usage"]?["input_tokens"] == 557)
            #expect(message["usage"]?["cache_read_input_tokens"] == 992)
            #expect(message["usage"]?["output_tokens"] == 103)

            let received = try #require(cohere.received.first)
            #expect(cohere.received.count == 1)
            #expect(received.method == "POST")
            #expect(received.path == "/v2/chat")
            #expect(received.header("authorization") == "Bearer co-test-key")
            #expect(received.header("content-type") == "application/json")
            #expect(received.body["model"] == "command-a-03-2025")
            #expect(received.body["stream"] == false)
            #expect(received.body["max_tokens"] == 1000)
            #expect(received.body["temperature"] == 1)
            #expect(received.body["tool_choice"] == nil)
            #expect(
                received.body["messages"] == [
                    ["role": "system", "content": "You are Claude Code."],
                    ["role": "user", "content": "Weather in Madrid?"],
                    [
                        "role": "assistant", "tool_plan": "I will check.",
                        "tool_calls": [
                            [
                                "id": "toolu_01", "type": "function",
                                "function": ["name": "get_weather", "arguments": #"{"location":"Madrid"}"#],
                            ]
                        ],
                    ],
                    ["role": "tool", "tool_call_id": "toolu_01", "content": "24C"],
                ])
            #expect(
                received.body["tools"] == [
                    [
                        "type": "function",
                        "function": ["name": "get_weather", "description": "gets the weather", "parameters": Fixtures.weatherSchema],
                    ]
                ])
        }
    }

    @Test func streamedText() async throws {
        try await withProxy { port, cohere in
            cohere.script(.stream(payloads: Fixtures.textStreamPayloads))
            let response = try await LoopbackClient.post(port: port, path: "/v1/messages", json: Self.request(stream: true))
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/event-stream") == true)
            let events = try AnthropicSSE.events(in: response.body)
            #expect(StreamGrammar.violations(in: events) == [], "\(events)")
            guard case .messageStart(_, let model, let usage) = events.first else {
                Issue.record("no message_start: \(events)")
                return
            }
            #expect(model == "claude-sonnet-4-5")
            #expect(usage.inputTokens > 0)  // the proxy's estimate of the prompt
            let text = events.map { event in if case .contentBlockDelta(_, .text(let text)) = event { text } else { "" } }.joined()
            #expect(text == "Hola Juan")
            #expect(
                events.contains(.messageDelta(stopReason: .endTurn, stopSequence: nil, usage: TokenUsage(inputTokens: 70, outputTokens: 2)))
            )
            #expect(cohere.received.first?.body["stream"] == true)
            #expect(cohere.received.first?.path == "/v2/chat")
        }
    }

    @Test func streamedToolCall() async throws {
        try await withProxy { port, cohere in
            cohere.script(.stream(payloads: Fixtures.toolCallStreamPayloads))
            let response = try await LoopbackClient.post(port: port, path: "/v1/messages", json: Self.request(stream: true))
            #expect(response.status == 200)
            let events = try AnthropicSSE.events(in: response.body)
            #expect(StreamGrammar.violations(in: events) == [], "\(events)")
            #expect(events.contains(.contentBlockStart(index: 1, block: .toolUse(id: "get_weather_3v76fs3zjrgq", name: "get_weather"))))
            let input = events.map { event in if case .contentBlockDelta(_, .inputJSON(let json)) = event { json } else { "" } }.joined()
            #expect(try JSONParser.parse(input) == ["location": "Madrid"])
            let stop = events.compactMap { event -> StopReason? in if case .messageDelta(let reason, _, _) = event { reason } else { nil } }
            #expect(stop == [.toolUse])
        }
    }

    @Test func failedGenerationEndsTheStreamWithAnErrorEvent() async throws {
        try await withProxy { port, cohere in
            cohere.script(
                .stream(payloads: [
                    Fixtures.textStreamPayloads[0], Fixtures.textStreamPayloads[2],
                    #"{"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal failure"}}"#,
                ]))
            let response = try await LoopbackClient.post(port: port, path: "/v1/messages", json: Self.request(stream: true))
            #expect(response.status == 200)
            let events = try AnthropicSSE.events(in: response.body)
            #expect(events.contains(.contentBlockDelta(index: 0, delta: .text("Hola"))))
            guard case .error(let type, let message) = events.last else {
                Issue.record("the stream does not end with an error: \(events)")
                return
            }
            #expect(type == .api)
            #expect(message.contains("internal failure"))
            #expect(!events.contains(.messageStop))
        }
    }

    @Test func rateLimitPassesRetryAfterOn() async throws {
        try await withProxy { port, cohere in
            cohere.script(
                .json(
                    status: 429, body: #"{"message":"You are past the per minute request limit, please wait and try again later."}"#,
                    headers: [("retry-after", "3")]
                ))
            let response = try await LoopbackClient.post(port: port, path: "/v1/messages", json: Self.request(stream: false))
            #expect(response.status == 429)
            #expect(response.header("retry-after") == "3")
            let error = try JSONParser.parse(response.body)
            #expect(error["type"] == "error")
            #expect(error["error"]?["type"] == "rate_limit_error")
            #expect(error["error"]?["message"]?.stringValue?.contains("per minute request limit") == true)
        }
    }

    @Test func badKeyIsA401() async throws {
        try await withProxy { port, cohere in
            cohere.script(.json(status: 401, body: #"{"message":"invalid api token"}"#))
            let response = try await LoopbackClient.post(port: port, path: "/v1/messages", json: Self.request(stream: true))
            #expect(response.status == 401)
            let error = try JSONParser.parse(response.body)
            #expect(error["error"]?["type"] == "authentication_error")
        }
    }

    /// Runs `body` with the proxy (its port) in front of a fresh mock Cohere, then cancels both.
    private func withProxy(_ body: (Int, MockCohere) async throws -> Void) async throws {
        let cohere = MockCohere()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cohere-e2e-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            let (mockPorts, mockPort) = AsyncStream.makeStream(of: Int.self)
            group.addTask {
                defer { mockPort.finish() }
                try await cohere.run { mockPort.yield($0) }
            }
            guard let upstreamPort = await mockPorts.first(where: { _ in true }) else {
                try await group.next()
                return
            }
            let config = directory.appendingPathComponent("config.yaml")
            try Data(Self.config(upstreamPort: upstreamPort).utf8).write(to: config)
            let (proxyPorts, proxyPort) = AsyncStream.makeStream(of: Int.self)
            group.addTask {
                defer { proxyPort.finish() }
                try await ClaudeCodeProxy.serve(
                    configFile: config.path, registry: AdapterRegistry.builtIn.registering(CohereAdapter.self), port: 0,
                    logger: Self.quietLogger, onListening: { proxyPort.yield($0) }
                )
            }
            guard let port = await proxyPorts.first(where: { _ in true }) else {
                try await group.next()
                return
            }
            // The deferred cancelAll stops both servers; the group then waits for them.
            try await body(port, cohere)
        }
    }

    private static func config(upstreamPort: Int) -> String {
        """
        server:
          host: 127.0.0.1
          port: 0
        providers:
          cohere:
            type: cohere
            base_url: http://127.0.0.1:\(upstreamPort)
            api_key: co-test-key
        models:
          - match: "*"
            provider: cohere
            model: command-a-03-2025
        """
    }

    /// Critical only: cancelling the servers at the end of each test logs an error for every connection
    /// still open.
    private static var quietLogger: Logger {
        var logger = Logger(label: "cohere-e2e")
        logger.logLevel = .critical
        return logger
    }
}
