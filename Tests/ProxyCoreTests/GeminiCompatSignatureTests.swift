import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

/// Gemini 3's OpenAI-compatible endpoint puts a thought signature on each step's first tool call
/// (`extra_content.google.thought_signature`) and refuses the next request without it.
@Suite("Gemini thought signatures through chat completions")
struct GeminiCompatSignatureTests {
    static let signedCall =
        #"{"id":"call_1","type":"function","function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"},"extra_content":{"google":{"thought_signature":"c2ln"}}}"#

    static func adapter(dialect: String) -> OpenAIAdapter {
        OpenAIAdapter(
            settings: ProviderSettings(
                name: "g", type: "openai", baseURL: "http://h/v1beta/openai", apiKey: "k",
                quirks: ProviderQuirks(["schema_dialect": .string(dialect)])))
    }

    /// The upstream `tool_calls` of the next request, after the client got a tool call with `id`.
    static func nextCalls(afterToolUse id: String, dialect: String) throws -> (calls: [JSONValue], resultID: JSONValue?) {
        let request = MessagesRequest(
            model: "m",
            messages: [
                InputMessage(role: .user, content: [.text("list")]),
                InputMessage(role: .assistant, content: [.toolUse(id: id, name: "Bash", input: ["command": "ls"])]),
                InputMessage(role: .user, content: [.toolResult(toolUseID: id, content: [.text("a.txt")], isError: false)]),
            ])
        let messages = try adapter(dialect: dialect).upstreamBody(for: request, model: "gemini-3-pro-preview")["messages"]?.arrayValue ?? []
        return (messages[1]["tool_calls"]?.arrayValue ?? [], messages[2]["tool_call_id"])
    }

    @Test("a complete answer's signature travels in the tool_use id and goes back on the call")
    func completeAnswer() throws {
        let completion = try JSONParser.parse(
            #"{"id":"c","choices":[{"index":0,"message":{"role":"assistant","tool_calls":["# + Self.signedCall
                + #"]},"finish_reason":"tool_calls"}]}"#)
        let message = try ResponseTranslator.message(from: completion, clientModel: "m").message
        guard case .toolUse(let id, _, _) = message.content.first else {
            Issue.record("no tool_use: \(message.content)")
            return
        }
        let (calls, resultID) = try Self.nextCalls(afterToolUse: id, dialect: "gemini")
        #expect(calls.first?["id"] == "call_1")
        #expect(calls.first?["extra_content"] == ["google": ["thought_signature": "c2ln"]])
        #expect(resultID == "call_1")
        // Elsewhere the id goes as a digest within OpenAI's 40 characters, without the field.
        let (plain, plainResultID) = try Self.nextCalls(afterToolUse: id, dialect: "openai")
        let digest = try #require(plain.first?["id"]?.stringValue)
        #expect(digest.count <= 40)
        #expect(plain.first?["extra_content"] == nil)
        #expect(plainResultID == .string(digest))
    }

    @Test("a streamed call's signature, from whichever fragment brings it")
    func streamedAnswer() throws {
        let chunks = [
            #"{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Bash","arguments":""},"extra_content":{"google":{"thought_signature":"c2ln"}}}]}}]}"#,
            #"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"command\":\"ls\"}"}}]},"finish_reason":"tool_calls"}]}"#,
        ]
        let run = StreamHarness.run(chunks)
        #expect(StreamGrammar.violations(in: run.events) == [])
        let id = try #require(run.events.compactMap { if case .contentBlockStart(_, .toolUse(let id, _)) = $0 { id } else { nil } }.first)
        #expect(
            try Self.nextCalls(afterToolUse: id, dialect: "gemini").calls.first?["extra_content"] == [
                "google": ["thought_signature": "c2ln"]
            ])
    }

    @Test("a call Gemini did not make gets the value that skips the check, on a message's first call only")
    func foreignCall() throws {
        let (calls, _) = try Self.nextCalls(afterToolUse: "toolu_01elsewhere", dialect: "gemini")
        #expect(calls.first?["extra_content"] == ["google": ["thought_signature": "skip_thought_signature_validator"]])
        #expect(try Self.nextCalls(afterToolUse: "toolu_01elsewhere", dialect: "openai").calls.first?["extra_content"] == nil)
    }
}
