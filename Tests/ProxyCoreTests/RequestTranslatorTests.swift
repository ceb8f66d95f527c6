import Testing

@testable import ProxyCore

@Suite("Request translation: top-level fields, tools, sampling (docs/translation.md §3)")
struct RequestTranslatorTests {
    typealias R = RequestHarness

    private static let readTool =
        #"{"name":"Read","description":"Read a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}"#

    private func request(tools: String = "", extra: String = "") -> String {
        let toolsMember = tools.isEmpty ? "" : #","tools":"# + tools
        return #"{"model":"claude-sonnet-4-5","max_tokens":32000,"messages":[{"role":"user","content":"hi"}]"# + toolsMember + extra + "}"
    }

    @Test("the worked example of §3.12 translates to the documented body (gpt-5)")
    func workedExample() throws {
        let anthropic = #"""
            {"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,
             "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.1; cch=ab12c;"},{"type":"text","text":"You are Claude Code."}],
             "tools":[{"name":"Read","description":"Read a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"$schema":"http://json-schema.org/draft-07/schema#"}}],
             "messages":[
              {"role":"user","content":"open a.txt"},
              {"role":"assistant","content":[{"type":"text","text":"Reading."},{"type":"tool_use","id":"toolu_01","name":"Read","input":{"path":"a.txt"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":[{"type":"text","text":"hello"}]},
                                        {"type":"text","text":"<system-reminder>todo list empty</system-reminder>"}]}]}
            """#
        let adapter = OpenAIAdapter(settings: ProviderSettings(name: "openai", type: "openai", baseURL: "https://api.openai.com/v1"))
        let body = try R.body(anthropic, options: adapter.requestOptions(model: "gpt-5", maxTokens: 32000))
        #expect(
            canonicalJSON(body)
                == canonicalJSON(
                    #"""
                    {"model":"gpt-5","stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":32000,
                     "messages":[
                      {"role":"system","content":"You are Claude Code."},
                      {"role":"user","content":"open a.txt"},
                      {"role":"assistant","content":"Reading.","tool_calls":[{"id":"toolu_01","type":"function","function":{"name":"Read","arguments":"{\"path\":\"a.txt\"}"}}]},
                      {"role":"tool","tool_call_id":"toolu_01","content":"hello"},
                      {"role":"user","content":"<system-reminder>todo list empty</system-reminder>"}],
                     "tools":[{"type":"function","function":{"name":"Read","description":"Read a file","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}}]}
                    """#))
    }

    // MARK: - Unknown fields (§10 item 20)

    @Test(
        "unknown top-level fields never reach the upstream body",
        arguments: [
            #""context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]}"#,
            #""output_config":{"effort":"medium"}"#,
            #""metadata":{"user_id":"user_abc_account_def_session_ghi"}"#,
            #""thinking":{"type":"adaptive"}"#,
            #""anthropic_beta":["x"]"#,
            #""top_k":40"#,
            #""service_tier":"auto""#,
            #""container":"c1""#,
            #""mcp_servers":[]"#,
            #""cache_control":{"type":"ephemeral"}"#,
        ]
    )
    func unknownFieldsDropped(member: String) throws {
        let body = try R.body(request(extra: "," + member))
        let key = String(member.dropFirst().prefix { $0 != "\"" })
        #expect(body[key] == nil)
        // metadata.user_id only ever leaves as its SHA-256, in `user` (§3.10).
        let expected = key == "metadata" ? ["model", "messages", "max_tokens", "user"] : ["model", "messages", "max_tokens"]
        #expect(body.objectValue?.map(\.key) == expected)
        #expect(body["user"] == (key == "metadata" ? .string(SHA256.hex("user_abc_account_def_session_ghi")) : nil))
    }

    // MARK: - Streaming flags (§10 item 19)

    @Test("stream_options.include_usage is sent only when streaming")
    func streamOptionsWhenStreaming() throws {
        let body = try R.body(request(extra: #","stream":true"#))
        #expect(body["stream"] == true)
        #expect(body["stream_options"] == ["include_usage": true])
    }

    @Test("no stream and no stream_options for a non-streaming request", arguments: ["", #","stream":false"#])
    func noStreamOptions(extra: String) throws {
        let body = try R.body(request(extra: extra))
        #expect(body["stream_options"] == nil)
        #expect(body["stream"] == nil || body["stream"] == false)
    }

    // MARK: - Tools (§10 items 11, 13, 14)

    @Test(
        "tool_choice maps to OpenAI's form",
        arguments: [
            (#"{"type":"auto"}"#, #""auto""#),
            (#"{"type":"any"}"#, #""required""#),
            (#"{"type":"none"}"#, #""none""#),
            (#"{"type":"tool","name":"Read"}"#, #"{"type":"function","function":{"name":"Read"}}"#),
        ]
    )
    func toolChoice(choice: String, expected: String) throws {
        let body = try R.body(request(tools: "[" + Self.readTool + "]", extra: #","tool_choice":"# + choice))
        #expect(canonicalJSON(body["tool_choice"] ?? .null) == canonicalJSON(expected))
    }

    @Test("disable_parallel_tool_use → parallel_tool_calls: false")
    func disableParallel() throws {
        let body = try R.body(
            request(tools: "[" + Self.readTool + "]", extra: #","tool_choice":{"type":"auto","disable_parallel_tool_use":true}"#))
        #expect(body["parallel_tool_calls"] == false)
    }

    @Test("parallel_tool_calls is not sent unless parallel use is disabled")
    func parallelDefault() throws {
        let body = try R.body(request(tools: "[" + Self.readTool + "]", extra: #","tool_choice":{"type":"auto"}"#))
        #expect(body["parallel_tool_calls"] == nil)
    }

    @Test(
        "no tool_choice and no tools key when there are no function tools",
        arguments: [
            "",
            #","tools":[]"#,
            #","tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}]"#,
        ]
    )
    func noToolChoiceWithoutTools(tools: String) throws {
        let body = try R.body(request(extra: tools + #","tool_choice":{"type":"any","disable_parallel_tool_use":true}"#))
        #expect(body["tools"] == nil)
        #expect(body["tool_choice"] == nil)
        #expect(body["parallel_tool_calls"] == nil)
    }

    @Test("a server tool (web_search) is never sent as a function")
    func serverToolNotAFunction() throws {
        let body = try R.body(request(tools: "[" + Self.readTool + #",{"type":"web_search_20250305","name":"web_search","max_uses":5}]"#))
        let names = body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
        #expect(names == ["Read"])
    }

    @Test("a custom tool with type \"custom\" is a function")
    func customTypedTool() throws {
        let body = try R.body(request(tools: #"[{"type":"custom","name":"Read","input_schema":{"type":"object","properties":{}}}]"#))
        #expect(body["tools"]?.arrayValue?.count == 1)
    }

    @Test("a tool becomes a function with description and parameters; cache_control and extras are not copied")
    func toolShape() throws {
        let body = try R.body(
            request(
                tools:
                    #"[{"name":"Read","description":"Read a file","input_schema":{"type":"object","properties":{}},"cache_control":{"type":"ephemeral"},"defer_loading":true,"eager_input_streaming":true}]"#
            ))
        #expect(
            canonicalJSON(body["tools"] ?? .null)
                == canonicalJSON(
                    #"[{"type":"function","function":{"name":"Read","description":"Read a file","parameters":{"type":"object","properties":{}}}}]"#
                ))
    }

    @Test("a tool name over 64 characters is shortened the same way in tools, tool_choice and history, and maps back")
    func longToolName() throws {
        let longName = "mcp__" + String(repeating: "playwright_browser_", count: 4) + "take_screenshot"
        #expect(longName.count > 64)
        let json =
            #"{"model":"m","max_tokens":100,"tools":[{"name":""# + longName
            + #"","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"tool","name":""# + longName
            + #""},"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":""#
            + longName + #"","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]}"#
        let (body, toolNames) = try R.translate(json)
        let toolName = try #require(body["tools"]?.arrayValue?.first?["function"]?["name"]?.stringValue)
        #expect(toolName.utf8.count <= 64)
        #expect(isUpstreamSafeToolName(toolName))
        #expect(body["tool_choice"]?["function"]?["name"] == .string(toolName))
        #expect(body["messages"]?.arrayValue?[1]["tool_calls"]?.arrayValue?.first?["function"]?["name"] == .string(toolName))
        #expect(toolNames.clientName(for: toolName) == longName)
    }

    @Test(
        "ToolNameMapping keeps safe names and shortens unsafe ones to ≤ 64 allowed characters, reversibly",
        arguments: [
            String(repeating: "a", count: 64),
            String(repeating: "a", count: 65),
            "mcp__server__tool.v2",
            "mcp__ñandú__tool",
            "name with spaces",
        ]
    )
    func toolNameMapping(name: String) {
        let mapping = ToolNameMapping(clientNames: [name])
        let upstream = mapping.upstreamName(for: name)
        #expect(isUpstreamSafeToolName(upstream))
        #expect(mapping.clientName(for: upstream) == name)
        if isUpstreamSafeToolName(name) {
            #expect(upstream == name)
        }
    }

    @Test("two long names with the same first 55 characters get different upstream names")
    func toolNameCollision() {
        let prefix = String(repeating: "x", count: 60)
        let mapping = ToolNameMapping(clientNames: [prefix + "_one", prefix + "_two"])
        #expect(mapping.upstreamName(for: prefix + "_one") != mapping.upstreamName(for: prefix + "_two"))
    }

    // MARK: - Schema cleanup (§3.6)

    @Test(
        "tool schemas lose $schema and gain type/properties where missing",
        arguments: [
            (
                #"{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":"string"}}}"#,
                #"{"type":"object","properties":{"a":{"type":"string"}}}"#
            ),
            (#"{"type":"object"}"#, #"{"type":"object","properties":{}}"#),
            (#"{"properties":{"a":{"type":"string"}}}"#, #"{"type":"object","properties":{"a":{"type":"string"}}}"#),
            ("null", #"{"type":"object","properties":{}}"#),
            (
                #"{"type":"object","additionalProperties":false,"$schema":"x"}"#,
                #"{"type":"object","additionalProperties":false,"properties":{}}"#
            ),
        ]
    )
    func schemaCleanup(schema: String, expected: String) throws {
        let cleaned = ToolSchema.cleaned(try JSONParser.parse(schema))
        #expect(canonicalJSON(cleaned) == canonicalJSON(expected))
    }

    @Test("a tool without input_schema gets an empty object schema")
    func missingSchema() throws {
        let body = try R.body(request(tools: #"[{"name":"Ping"}]"#))
        #expect(body["tools"]?.arrayValue?.first?["function"]?["parameters"] == ["type": "object", "properties": [:]])
    }

    // MARK: - Sampling and limits (§10 item 15)

    private static let openAI = OpenAIAdapter(
        settings: ProviderSettings(name: "openai", type: "openai", baseURL: "https://api.openai.com/v1"))
    private static let sampling = #","temperature":0.5,"top_p":0.9,"stop_sequences":["END"]"#

    @Test(
        "reasoning models (gpt-5, o3, o4-mini) get max_completion_tokens and no temperature, top_p or stop",
        arguments: ["gpt-5", "gpt-5-mini", "o3", "o4-mini", "o1"])
    func reasoningModel(model: String) throws {
        let body = try R.body(request(extra: Self.sampling), options: Self.openAI.requestOptions(model: model, maxTokens: 32000))
        #expect(body["max_completion_tokens"] == 32000)
        #expect(body["max_tokens"] == nil)
        #expect(body["temperature"] == nil && body["top_p"] == nil && body["stop"] == nil)
    }

    @Test(
        "non-reasoning models (gpt-4o, gpt-5-chat-latest) get max_tokens with temperature, top_p and stop",
        arguments: ["gpt-4o", "gpt-4o-mini", "gpt-5-chat-latest"])
    func samplingModel(model: String) throws {
        let body = try R.body(request(extra: Self.sampling), options: Self.openAI.requestOptions(model: model, maxTokens: 4096))
        #expect(body["max_tokens"] == 4096)
        #expect(body["max_completion_tokens"] == nil)
        #expect(body["temperature"] == 0.5 && body["top_p"] == 0.9 && body["stop"] == ["END"])
    }

    @Test(
        "OpenAI reasoning-model detection",
        arguments: [
            ("gpt-5", true), ("GPT-5.1", true), ("openai/gpt-5-mini", true), ("gpt-5-chat-latest", false), ("o3", true), ("o3-mini", true),
            ("o4-mini", true), ("o1", true), ("gpt-4o", false), ("gpt-4.1", false), ("ollama-o3ish", false),
        ])
    func reasoningDetection(model: String, expected: Bool) {
        #expect(OpenAIAdapter.isReasoningModel(model) == expected)
    }

    @Test("more than four stop sequences are cut to the first four")
    func stopSequencesCapped() throws {
        let body = try R.body(request(extra: #","stop_sequences":["a","b","c","d","e"]"#))
        #expect(body["stop"] == ["a", "b", "c", "d"])
    }

    @Test("empty stop_sequences send no stop")
    func emptyStopSequences() throws {
        let body = try R.body(request(extra: #","stop_sequences":[]"#))
        #expect(body["stop"] == nil)
    }

    @Test("the max tokens value comes from the options, not the client")
    func maxTokensFromOptions() throws {
        let body = try R.body(request(), options: ChatCompletionsOptions(upstreamModel: "gpt-4o", maxTokens: 16384))
        #expect(body["max_tokens"] == 16384)
        #expect(body["model"] == "gpt-4o")
    }

    // MARK: - Reasoning effort (§10 item 17)

    @Test(
        "thinking settings derive reasoning_effort for reasoning models",
        arguments: [
            (#""thinking":{"type":"enabled","budget_tokens":4000}"#, "low" as String?),
            (#""thinking":{"type":"enabled","budget_tokens":10000}"#, "medium"),
            (#""thinking":{"type":"enabled","budget_tokens":31999}"#, "high"),
            (#""thinking":{"type":"enabled","budget_tokens":0}"#, nil),
            (#""thinking":{"type":"adaptive"},"output_config":{"effort":"low"}"#, "low"),
            (#""thinking":{"type":"adaptive"},"output_config":{"effort":"xhigh"}"#, "high"),
            (#""thinking":{"type":"adaptive"},"output_config":{"effort":"max"}"#, "high"),
            (#""thinking":{"type":"adaptive"}"#, "medium"),
            (#""thinking":{"type":"disabled"},"output_config":{"effort":"high"}"#, nil),
            (#""output_config":{"effort":"high"}"#, nil),
        ]
    )
    func reasoningEffort(members: String, expected: String?) throws {
        let body = try R.body(request(extra: "," + members), options: Self.openAI.requestOptions(model: "gpt-5", maxTokens: 32000))
        #expect(body["reasoning_effort"] == expected.map(JSONValue.string))
    }

    @Test("non-reasoning models never get reasoning_effort")
    func noReasoningEffortForGPT4o() throws {
        let body = try R.body(
            request(extra: #","thinking":{"type":"enabled","budget_tokens":10000}"#),
            options: Self.openAI.requestOptions(model: "gpt-4o", maxTokens: 4096)
        )
        #expect(body["reasoning_effort"] == nil)
    }

    @Test("a tool_choice naming a tool that is not sent as a function is dropped")
    func toolChoiceForServerTool() throws {
        let body = try R.body(
            request(
                tools: "[" + Self.readTool + #",{"type":"web_search_20250305","name":"web_search"}]"#,
                extra: #","tool_choice":{"type":"tool","name":"web_search"}"#
            ))
        #expect(body["tool_choice"] == nil)
    }

    @Test("an image with a Files API source is rejected with a clear error")
    func fileImageRejected() throws {
        let value = try JSONParser.parse(
            #"{"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"file_1"}}]}]}"#
        )
        #expect(throws: RequestDecodingError.self) { try MessagesRequest(json: value) }
    }

    // MARK: - Decoding errors

    @Test(
        "structurally impossible requests are rejected naming the field",
        arguments: [
            (#"{"max_tokens":1,"messages":[]}"#, "model"),
            (#"{"model":"m","max_tokens":1}"#, "messages"),
            (#"{"model":"m","messages":{}}"#, "messages"),
            (#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#, "messages.0.role"),
            (#"{"model":"m","messages":[{"role":"user","content":5}]}"#, "messages.0.content"),
            (#"{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"tool"}}"#, "tool_choice.name"),
        ]
    )
    func decodingErrors(json: String, path: String) throws {
        let value = try JSONParser.parse(json)
        #expect(throws: RequestDecodingError.self) { try MessagesRequest(json: value) }
        do {
            _ = try MessagesRequest(json: value)
        } catch {
            #expect(error.path == path)
        }
    }

    @Test("role developer is accepted like system")
    func developerRole() throws {
        let request = try MessagesRequest(json: JSONParser.parse(#"{"model":"m","messages":[{"role":"developer","content":"x"}]}"#))
        #expect(request.messages.first?.role == .system)
    }
}

/// OpenAI's rule for function names: `^[A-Za-z0-9_-]{1,64}$`.
func isUpstreamSafeToolName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 64
        && name.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
}
