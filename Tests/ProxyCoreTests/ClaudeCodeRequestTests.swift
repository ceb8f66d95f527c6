import Testing

@testable import ProxyCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Real Claude Code request bodies (Fixtures/claude_code_requests.json, captured from Claude Code 2.1.331)
/// replayed through `MessagesRequest(json:)` + `RequestTranslator`.
@Suite("Captured Claude Code requests")
struct ClaudeCodeRequestTests {
    static let captures = ["first_turn_with_system_role", "first_turn_fallback", "tool_result_turn"]

    /// Fields an OpenAI-compatible body may carry (docs/translation.md §0.1: whitelist outbound fields), plus
    /// `reasoning_effort` for reasoning models (§3.9).
    static let allowedFields: Set<String> = [
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "tools", "tool_choice",
        "parallel_tool_calls", "stream", "stream_options", "reasoning_effort", "user", "prompt_cache_key",
    ]

    static let fixtures: JSONValue? = {
        let path = String(#filePath.dropLast("ClaudeCodeRequestTests.swift".count)) + "Fixtures/claude_code_requests.json"
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return try? JSONParser.parse(bytes)
    }()

    private func anthropicBody(_ capture: String) throws -> JSONValue {
        let fixtures = try #require(Self.fixtures, "Fixtures/claude_code_requests.json is missing or not JSON")
        return try #require(fixtures[capture]?["body"])
    }

    private func upstreamBody(_ capture: String, model: String = "gpt-5") throws -> JSONValue {
        let request = try MessagesRequest(json: anthropicBody(capture))
        let adapter = OpenAIAdapter(settings: ProviderSettings(name: "openai", type: "openai", baseURL: "https://api.openai.com/v1"))
        return RequestTranslator.body(for: request, options: adapter.requestOptions(model: model, maxTokens: 32000)).body
    }

    @Test("the captured body decodes", arguments: captures)
    func decodes(capture: String) throws {
        let request = try MessagesRequest(json: anthropicBody(capture))
        #expect(!request.messages.isEmpty && !request.tools.isEmpty)
    }

    @Test("only whitelisted fields reach the upstream", arguments: captures)
    func whitelist(capture: String) throws {
        let keys = try upstreamBody(capture).objectValue?.map(\.key) ?? []
        #expect(keys.filter { !Self.allowedFields.contains($0) } == [])
    }

    @Test("the system message has no billing line and is the only system message", arguments: captures)
    func systemMessage(capture: String) throws {
        let messages = try #require(upstreamBody(capture)["messages"]?.arrayValue)
        let system = try #require(messages.first)
        #expect(system["role"] == "system")
        #expect(system["content"]?.stringValue?.contains("x-anthropic-billing-header") == false)
        #expect(system["content"]?.stringValue?.contains("You are a Claude agent") == true)
        #expect(messages.dropFirst().allSatisfy { $0["role"] != "system" })
    }

    @Test("every tool becomes a function with an object schema", arguments: captures)
    func tools(capture: String) throws {
        let anthropicTools = try #require(anthropicBody(capture)["tools"]?.arrayValue)
        let tools = try #require(upstreamBody(capture)["tools"]?.arrayValue)
        #expect(tools.count == anthropicTools.count)
        for tool in tools {
            let function = tool["function"]
            let parameters = function?["parameters"]
            #expect(tool["type"] == "function")
            #expect(function?["name"]?.stringValue.map(isUpstreamSafeToolName) == true)
            #expect(parameters?["type"] == "object")
            #expect(parameters?["properties"]?.objectValue != nil)
            #expect(parameters?["$schema"] == nil)
        }
    }

    @Test("adaptive thinking with the captured effort becomes reasoning_effort for gpt-5 only", arguments: captures)
    func reasoningEffort(capture: String) throws {
        let effort = try #require(anthropicBody(capture)["output_config"]?["effort"]?.stringValue)
        let expected = ["xhigh": "high", "max": "high"][effort] ?? effort
        #expect(try upstreamBody(capture)["reasoning_effort"] == .string(expected))
        #expect(try upstreamBody(capture, model: "gpt-4o")["reasoning_effort"] == nil)
    }

    @Test("a streaming capture asks for usage in the stream", arguments: captures)
    func streamOptions(capture: String) throws {
        let anthropicStream = try anthropicBody(capture)["stream"] == true
        let body = try upstreamBody(capture)
        #expect((body["stream_options"] == ["include_usage": true]) == anthropicStream)
    }

    @Test("gpt-5 gets max_completion_tokens and no sampling fields", arguments: captures)
    func reasoningModelFields(capture: String) throws {
        let body = try upstreamBody(capture)
        #expect(body["max_completion_tokens"] == 32000)
        #expect(body["max_tokens"] == nil && body["temperature"] == nil && body["stop"] == nil)
    }

    @Test("the tool_result turn: the assistant tool_calls message is immediately followed by its tool messages")
    func toolResultTurn() throws {
        let messages = try #require(upstreamBody("tool_result_turn")["messages"]?.arrayValue)
        let position = try #require(messages.firstIndex { $0["tool_calls"] != nil })
        let callIDs = messages[position]["tool_calls"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(!callIDs.isEmpty)
        let following = messages.dropFirst(position + 1).prefix(callIDs.count)
        #expect(following.map { $0["role"]?.stringValue ?? "" } == Array(repeating: "tool", count: callIDs.count))
        #expect(following.map { $0["tool_call_id"]?.stringValue ?? "" } == callIDs)
        let arguments = messages[position]["tool_calls"]?.arrayValue?.compactMap { $0["function"]?["arguments"]?.stringValue } ?? []
        #expect(arguments.allSatisfy { if case .object? = try? JSONParser.parse($0) { true } else { false } })
    }

    @Test("every upstream message has a role OpenAI knows and no null user content", arguments: captures)
    func messageShapes(capture: String) throws {
        let messages = try #require(upstreamBody(capture)["messages"]?.arrayValue)
        for message in messages {
            let role = message["role"]?.stringValue ?? ""
            #expect(["system", "user", "assistant", "tool"].contains(role))
            if role != "assistant" { #expect(message["content"] != nil && message["content"] != .null) }
        }
    }
}
