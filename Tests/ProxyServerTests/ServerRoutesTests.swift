import CurlHTTP
import ProxyCore
import ProxyServer
import Testing

@Suite("Other routes, errors and client auth", .timeLimit(.minutes(1)))
struct ServerRoutesTests {
    @Test("GET /health and GET / answer without a key")
    func healthAndIndex() async throws {
        try await ProxyHarness.run(environment: ["OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "client-secret"]) { harness in
            let health = try await harness.send("/health", method: "GET")
            #expect(health.status == 200)
            #expect(try JSONParser.parse(health.body)["status"] == "healthy")
            let index = try await harness.send("/", method: "GET")
            #expect(index.status == 200)
            #expect(try JSONParser.parse(index.body)["client_api_key_required"] == true)
            #expect(!String(decoding: index.body, as: UTF8.self).contains("client-secret"))
        }
    }

    @Test("unknown paths get an Anthropic-shaped 404")
    func unknownPath() async throws {
        try await ProxyHarness.run { harness in
            let response = try await harness.send("/v1/unknown?beta=true", method: "GET")
            #expect(response.status == 404)
            let json = try JSONParser.parse(response.body)
            #expect(json["type"] == "error")
            #expect(json["error"]?["type"] == "not_found_error")
            #expect(json["error"]?["message"] == "no route for GET /v1/unknown", "the path, without its query")
        }
    }

    @Test("with ANTHROPIC_API_KEY set, clients must send it as x-api-key or Bearer")
    func clientAuthentication() async throws {
        let request: JSONValue = ["model": "claude-3-haiku", "max_tokens": 200, "messages": [["role": "user", "content": "x"]]]
        try await ProxyHarness.run(environment: ["OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "client-secret"]) { harness in
            let missing = try await harness.send("/v1/messages", json: request)
            #expect(missing.status == 401)
            #expect(try JSONParser.parse(missing.body)["error"]?["type"] == "authentication_error")
            #expect(missing.headers.contains { $0.name == "x-should-retry" && $0.value == "false" })
            let wrong = try await harness.send("/v1/messages", json: request, headers: [(name: "x-api-key", value: "client-secreT")])
            #expect(wrong.status == 401)
            let viaHeader = try await harness.send("/v1/messages", json: request, headers: [(name: "x-api-key", value: "client-secret")])
            #expect(viaHeader.status == 200)
            let viaBearer = try await harness.send(
                "/v1/messages", json: request, headers: [(name: "authorization", value: "Bearer client-secret")])
            #expect(viaBearer.status == 200)
            #expect(harness.upstream.received.count == 2)
        }
    }

    /// Connections read through one pooled receive buffer of at most 16 KB (`ReceiveBufferPolicy`): a
    /// request many times that size still arrives whole, twice on the same connection.
    @Test("a 600 KB request arrives whole, again on the same keep-alive connection")
    func largeRequestArrivesWhole() async throws {
        let text = (0..<60_000).map { "w\($0 % 10)" }.joined(separator: " ")
        let request: JSONValue = ["model": "claude-3-haiku", "max_tokens": 200, "messages": [["role": "user", "content": .string(text)]]]
        try await ProxyHarness.run { harness in
            for _ in 0..<2 {
                let response = try await harness.send("/v1/messages", json: request)
                #expect(response.status == 200)
                #expect(harness.connections.openConnections == 1)
            }
            #expect(harness.upstream.received.count == 2)
            #expect(harness.upstream.received.allSatisfy { $0.body["messages"]?.arrayValue?.first?["content"] == .string(text) })
        }
    }

    @Test("count_tokens estimates system, messages and tools")
    func countTokens() async throws {
        try await ProxyHarness.run { harness in
            let small: JSONValue = ["model": "claude-3-haiku", "messages": [["role": "user", "content": "hi"]]]
            let large: JSONValue = [
                "model": "claude-3-haiku", "messages": [["role": "user", "content": "hi"]],
                "tools": [
                    [
                        "name": "Read", "description": .string(String(repeating: "Reads a file. ", count: 50)),
                        "input_schema": ["type": "object"],
                    ]
                ],
            ]
            let (status, smallCount) = try await harness.sendJSON("/v1/messages/count_tokens?beta=true", json: small)
            let (_, largeCount) = try await harness.sendJSON("/v1/messages/count_tokens", json: large)
            #expect(status == 200)
            #expect((smallCount["input_tokens"]?.intValue ?? 0) > 0)
            #expect((largeCount["input_tokens"]?.intValue ?? 0) > (smallCount["input_tokens"]?.intValue ?? 0) + 150)
            #expect(harness.upstream.received.isEmpty)
        }
    }
}
