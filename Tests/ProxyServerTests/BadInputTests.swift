import CurlHTTP
import ProxyCore
import Testing

/// Malformed client requests get a 400/413 Anthropic error naming the problem; the server keeps serving.
@Suite("Bad client input", .timeLimit(.minutes(1)))
struct BadInputTests {
    static let valid: JSONValue = ["model": "claude-3-haiku", "max_tokens": 100, "messages": [["role": "user", "content": "x"]]]

    static func post(
        _ harness: ProxyHarness, body: [UInt8], contentType: String = "application/json"
    ) async throws -> (status: Int, json: JSONValue) {
        let response = try await harness.client.execute(
            HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(harness.proxyPort)/v1/messages",
                headers: [(name: "content-type", value: contentType)], body: body
            )
        )
        return (response.status, try JSONParser.parse(try await response.body.collect(upTo: 1 << 20)))
    }

    @Test(
        "each malformed body is rejected with the right status and message",
        arguments: [
            (
                Array(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"caf"#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8),
                400, "invalid_request_error", "not valid UTF-8"
            ),
            (Array(#"{"model":"m","messages":[]}"#.utf8), 400, "invalid_request_error", "messages: must contain at least one message"),
            (Array(#"{"messages":[{"role":"user","content":"x"}]}"#.utf8), 400, "invalid_request_error", "model: is required"),
            (Array(#"{"model":"m","messages":"x"}"#.utf8), 400, "invalid_request_error", "messages: must be an array"),
            (
                Array(#"{"model":"m","max_tokens":"lots","messages":[{"role":"user","content":"x"}]}"#.utf8), 400, "invalid_request_error",
                "max_tokens: must be an integer"
            ),
            (
                Array(
                    #"{"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}"#.utf8),
                400, "invalid_request_error", "Files API"
            ),
            (Array(String(repeating: "[", count: 5000).utf8), 400, "invalid_request_error", "nested deeper than"),
            (Array("[1,2]".utf8), 400, "invalid_request_error", "body: must be an object"),
            ([], 400, "invalid_request_error", "not valid JSON"),
        ] as [([UInt8], Int, String, String)])
    func malformed(body: [UInt8], status: Int, type: String, message: String) async throws {
        try await ProxyHarness.run { harness in
            let (code, json) = try await Self.post(harness, body: body)
            #expect(code == status)
            #expect(json["error"]?["type"] == .string(type))
            #expect(json["error"]?["message"]?.stringValue?.contains(message) == true, "\(json)")
            let (after, _) = try await Self.post(harness, body: Self.valid.serialized())
            #expect(after == 200, "the server keeps serving")
            #expect(harness.upstream.received.count == 1, "nothing malformed reached the upstream")
        }
    }

    @Test("a body over the limit is a 413 request_too_large")
    func tooLarge() async throws {
        try await ProxyHarness.run(settings: { $0.server.maxBodyBytes = 4096 }) { harness in
            var request = Self.valid
            if case .object(var members) = request {
                members[2] = ("messages", [["role": "user", "content": .string(String(repeating: "a", count: 10000))]])
                request = .object(members)
            }
            let (status, json) = try await Self.post(harness, body: request.serialized())
            #expect(status == 413)
            #expect(json["error"]?["type"] == "request_too_large")
            #expect((try await Self.post(harness, body: Self.valid.serialized())).status == 200)
        }
    }

    @Test("a request that is not JSON by content type is refused")
    func wrongContentType() async throws {
        try await ProxyHarness.run { harness in
            let (status, json) = try await Self.post(harness, body: Self.valid.serialized(), contentType: "text/plain")
            #expect(status == 400)
            #expect(json["error"]?["message"]?.stringValue?.contains("content-type must be application/json") == true)
        }
    }
}
