import ProxyCore
import Testing

/// Structured outputs through the whole proxy: the schema reaches the upstream as `response_format`, and
/// the JSON the upstream answers comes back as an ordinary text block.
@Suite("Structured outputs against the mock upstream", .timeLimit(.minutes(1)))
struct StructuredOutputServerTests {
    static let schema: JSONValue = [
        "type": "object", "properties": ["name": ["type": "string"]], "required": ["name"], "additionalProperties": false,
    ]
    static let answer = #"{"name":"Ada"}"#

    static func request(stream: Bool) -> JSONValue {
        [
            "model": "claude-sonnet-4-5", "max_tokens": 300, "stream": .bool(stream),
            "messages": [["role": "user", "content": "Who wrote the first program?"]],
            "output_config": ["format": ["type": "json_schema", "schema": schema]],
        ]
    }

    @Test("output_config.format → response_format json_schema; the answer is one text block, streamed or not", arguments: [false, true])
    func structuredOutput(stream: Bool) async throws {
        try await ProxyHarness.run { harness in
            if stream {
                harness.upstream.script(.stream(events: MockUpstream.streamedText([#"{"name":"#, #""Ada"}"#])))
                let (status, events) = try await harness.stream(json: Self.request(stream: true))
                #expect(status == 200)
                #expect(events.compactMap { $0.data["content_block"]?["type"]?.stringValue } == ["text"])
                let text = events.compactMap { $0.data["delta"]?["text"]?.stringValue }.joined()
                #expect(text == Self.answer)
            } else {
                harness.upstream.script(.json(body: MockUpstream.completion(text: Self.answer)))
                let (status, message) = try await harness.sendJSON("/v1/messages", json: Self.request(stream: false))
                #expect(status == 200)
                #expect(message["content"] == [["type": "text", "text": .string(Self.answer)]])
                #expect(message["stop_reason"] == "end_turn")
            }
            let received = try #require(harness.upstream.received.first)
            #expect(
                received.body["response_format"] == [
                    "type": "json_schema", "json_schema": ["name": "structured_output", "schema": Self.schema, "strict": true],
                ])
            #expect(received.body["stream"] == (stream ? true : nil))
            #expect(received.body["output_config"] == nil)
        }
    }
}
