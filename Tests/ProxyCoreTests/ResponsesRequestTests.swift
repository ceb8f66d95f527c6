import BuiltInAdapters
import Testing

@testable import ProxyCore

/// Anthropic request → Responses API body (docs/responses-api.md §6.1).
@Suite("Responses API requests")
struct ResponsesRequestTests {
    static let loopTurn = #"""
        {"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,
         "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.0; cch=abc12;"},
                   {"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
         "thinking":{"type":"enabled","budget_tokens":10000},
         "metadata":{"user_id":"user_abc_account_def_session_0b0e2d4c-3a1f-4c55-9d7e-111111111111"},
         "tools":[{"name":"Write","description":"Write a file","input_schema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"path":{"type":"string"}},"required":["path"]}},
                  {"type":"web_search_20250305","name":"web_search"}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true},
         "temperature":1,"stop_sequences":["END"],"top_k":5,
         "messages":[
           {"role":"user","content":"write a.txt"},
           {"role":"assistant","content":[{"type":"text","text":"Writing it."},{"type":"tool_use","id":"call_1","name":"Write","input":{"path":"a.txt"}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"done"},{"type":"text","text":"now run it"}]}
         ]}
        """#

    @Test("a Claude Code turn: instructions, input items, flat tools, choice, reasoning with encrypted content, store false")
    func claudeCodeTurn() throws {
        let body = try ResponsesHarness.body(Self.loopTurn)
        let expected: JSONValue = [
            "model": "gpt-5-codex",
            "instructions": "You are Claude Code.",
            "input": [
                ["type": "message", "role": "user", "content": [["type": "input_text", "text": "write a.txt"]]],
                ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "Writing it."]]],
                ["type": "function_call", "call_id": "call_1", "name": "Write", "arguments": #"{"path":"a.txt"}"#],
                ["type": "function_call_output", "call_id": "call_1", "output": "done"],
                ["type": "message", "role": "user", "content": [["type": "input_text", "text": "now run it"]]],
            ],
            "tools": [
                [
                    "type": "function", "name": "Write", "description": "Write a file",
                    "parameters": ["type": "object", "properties": ["path": ["type": "string"]], "required": ["path"]],
                    "strict": false,
                ]
            ],
            "tool_choice": "required",
            "parallel_tool_calls": false,
            "max_output_tokens": 1024,
            "reasoning": ["effort": "medium", "summary": "auto"],
            "include": ["reasoning.encrypted_content"],
            "store": false,
            "prompt_cache_key": .string(String(SHA256.hex("0b0e2d4c-3a1f-4c55-9d7e-111111111111").prefix(32))),
            "safety_identifier": .string(SHA256.hex("user_abc_account_def_session_0b0e2d4c-3a1f-4c55-9d7e-111111111111")),
            "stream": true,
        ]
        #expect(canonicalJSON(body) == canonicalJSON(expected))
    }

    @Test("a non-reasoning model gets temperature and top_p and no reasoning; the output limit is at least 16")
    func nonReasoningModel() throws {
        let json =
            #"{"model":"c","max_tokens":5,"temperature":0.2,"top_p":0.9,"thinking":{"type":"enabled","budget_tokens":2000},"messages":[{"role":"user","content":"hi"}]}"#
        let plain = try ResponsesHarness.body(json, model: "gpt-4.1", maxTokens: 5)
        #expect(plain["temperature"] == 0.2 && plain["top_p"] == 0.9)
        #expect(plain["reasoning"] == nil && plain["include"] == nil)
        #expect(plain["max_output_tokens"] == 16)
        let reasoning = try ResponsesHarness.body(json, model: "o4-mini")
        #expect(reasoning["temperature"] == nil && reasoning["top_p"] == nil)
        #expect(reasoning["reasoning"] == ["effort": "low", "summary": "auto"])
        let forced = try ResponsesHarness.body(json, model: "gpt-4.1", quirks: ["reasoning_effort": "always", "reasoning_summary": "none"])
        #expect(forced["reasoning"] == ["effort": "low"], "reasoning_summary: none asks for no summary")
        let disabled = try ResponsesHarness.body(
            #"{"model":"c","max_tokens":50,"thinking":{"type":"disabled"},"output_config":{"effort":"high"},"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(disabled["reasoning"] == nil, "thinking disabled leaves the model's default")
        let adaptive = try ResponsesHarness.body(
            #"{"model":"c","max_tokens":50,"thinking":{"type":"adaptive"},"output_config":{"effort":"high"},"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(adaptive["reasoning"]?["effort"] == "high")
    }

    @Test("thinking blocks carrying this model's reasoning go back right before what followed them; others are dropped")
    func reasoningReplay() throws {
        let own = ResponsesHarness.signature("gAAAA-own")
        let otherModel = ResponsesHarness.signature("gAAAA-o3", model: "o3")
        let otherAccount = PackedSignature(kind: .responsesReasoning, owner: "another-key", model: "gpt-5-codex", payload: "gAAAA-x")
            .signature
        let messages = """
            [{"role":"user","content":"go"},
             {"role":"assistant","content":[
               {"type":"thinking","thinking":"Plan: read first.","signature":"\(own)"},
               {"type":"tool_use","id":"call_a","name":"Read","input":{"path":"a"}},
               {"type":"thinking","thinking":"","signature":"\(own)"},
               {"type":"text","text":"Reading."},
               {"type":"thinking","thinking":"foreign","signature":"EqQBCgIYAhIMxyz"},
               {"type":"thinking","thinking":"other model","signature":"\(otherModel)"},
               {"type":"thinking","thinking":"other account","signature":"\(otherAccount)"},
               {"type":"redacted_thinking","data":"abc"},
               {"type":"tool_use","id":"call_b","name":"Read","input":{"path":"b"}},
               {"type":"thinking","thinking":"trailing","signature":"\(own)"}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_a","content":"A"},{"type":"tool_result","tool_use_id":"call_b","content":"B"}]}]
            """
        let input = try ResponsesHarness.input(messages)
        let types = input.map { $0["type"]?.stringValue ?? "?" }
        #expect(
            types == [
                "message", "reasoning", "function_call", "reasoning", "message", "function_call", "function_call_output",
                "function_call_output",
            ])
        #expect(
            input[1] == [
                "type": "reasoning", "summary": [["type": "summary_text", "text": "Plan: read first."]], "encrypted_content": "gAAAA-own",
            ])
        #expect(
            input[3] == ["type": "reasoning", "summary": [], "encrypted_content": "gAAAA-own"],
            "a cleared thinking text sends an empty summary")
        #expect(input[2]["id"] == nil, "a function_call with an id would need its stored reasoning item")
        let elsewhere = try ResponsesHarness.input(messages, model: "gpt-5")
        #expect(!elsewhere.contains { $0["type"] == "reasoning" }, "another model cannot read this reasoning")
    }

    @Test("tool results: errors marked, images as parts, orphans as text, unanswered calls closed")
    func toolResults() throws {
        let input = try ResponsesHarness.input(
            #"""
            [{"role":"user","content":"go"},
             {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{}},{"type":"tool_use","id":"t2","name":"Shot","input":{}},{"type":"tool_use","id":"t3","name":"Bash","input":{}}]},
             {"role":"user","content":[
               {"type":"text","text":"see"},
               {"type":"tool_result","tool_use_id":"t1","is_error":true,"content":[{"type":"text","text":"exit 1"}]},
               {"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"screen"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]},
               {"type":"tool_result","tool_use_id":"gone","content":"old"}]},
             {"role":"system","content":"mind the tests"},
             {"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}},{"type":"document","title":"spec","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}}]}]
            """#)
        #expect(input[2] == ["type": "function_call", "call_id": "t2", "name": "Shot", "arguments": "{}"])
        #expect(input[4] == ["type": "function_call_output", "call_id": "t1", "output": "Error: exit 1"])
        #expect(
            input[5] == [
                "type": "function_call_output", "call_id": "t2",
                "output": [
                    ["type": "input_text", "text": "screen\n[image 1 attached below]"],
                    ["type": "input_image", "image_url": "data:image/png;base64,iVBO", "detail": "auto"],
                ],
            ])
        #expect(input[6] == ["type": "function_call_output", "call_id": "t3", "output": .string(MessageWalk.interruptedToolResult)])
        #expect(
            input[7] == [
                "type": "message", "role": "user",
                "content": [["type": "input_text", "text": "see"], ["type": "input_text", "text": "[tool result for gone]\nold"]],
            ])
        #expect(input[8] == ["type": "message", "role": "developer", "content": [["type": "input_text", "text": "mind the tests"]]])
        #expect(
            input[9] == [
                "type": "message", "role": "user",
                "content": [
                    ["type": "input_image", "image_url": "https://x/y.png", "detail": "auto"],
                    ["type": "input_file", "filename": "spec", "file_data": "data:application/pdf;base64,JVBE"],
                ],
            ])
        #expect(input.count == 10)
    }

    @Test("images: describe sends a notice instead of the image")
    func imagesDescribed() throws {
        let body = try ResponsesHarness.body(
            #"{"model":"c","max_tokens":50,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}"#,
            quirks: ["images": "describe"])
        #expect(
            body["input"]?.arrayValue?.first?["content"]?.arrayValue?.first == [
                "type": "input_text", "text": .string(MessageWalk.imageNotice),
            ])
    }

    @Test("extra_body is merged last; a tool choice naming a server tool is left out")
    func extraBodyAndChoice() throws {
        let body = try ResponsesHarness.body(
            #"{"model":"c","max_tokens":50,"tools":[{"name":"Read","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search"}],"tool_choice":{"type":"tool","name":"web_search"},"messages":[{"role":"user","content":"hi"}]}"#,
            quirks: ["extra_body": ["store": true, "service_tier": "flex"]])
        #expect(body["tool_choice"] == nil)
        #expect(body["tools"]?.arrayValue?.count == 1)
        #expect(body["store"] == true && body["service_tier"] == "flex")
        let named = try ResponsesHarness.body(
            #"{"model":"c","max_tokens":50,"tools":[{"name":"Read","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"Read"},"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(named["tool_choice"] == ["type": "function", "name": "Read"])
        #expect(named["parallel_tool_calls"] == nil)
    }

    @Test(
        "Responses URLs and auth: OpenAI's base plus /responses with Bearer; Azure's v1 and preview forms with api-key",
        arguments: [
            ("openai-responses", "https://api.openai.com/v1/", nil as String?, "https://api.openai.com/v1/responses"),
            ("azure-responses", "https://res.openai.azure.com", nil, "https://res.openai.azure.com/openai/v1/responses"),
            ("azure-responses", "https://res.openai.azure.com/openai/v1/", nil, "https://res.openai.azure.com/openai/v1/responses"),
            (
                "azure-responses", "https://res.openai.azure.com/openai", "2025-04-01-preview",
                "https://res.openai.azure.com/openai/responses?api-version=2025-04-01-preview"
            ),
        ]
    )
    func urls(kind: String, base: String, version: String?, expected: String) throws {
        let settings = ProviderSettings(
            name: "p", type: kind, baseURL: base, apiKey: "sk-test", apiVersion: version, deployments: ["gpt-5": "prod-5"])
        let adapter = try #require(AdapterRegistry.builtIn.adapter(for: settings))
        let request = MessagesRequest(model: "m", messages: [InputMessage(role: .user, content: [.text("hi")])])
        let call = try adapter.prepareCall(for: request, context: CallContext(apiKey: "sk-test", upstreamModel: "gpt-5", maxTokens: 100))
        #expect(call.request.url == expected)
        let auth = kind == "azure-responses" ? HTTPHeader("api-key", "sk-test") : HTTPHeader("authorization", "Bearer sk-test")
        #expect(call.request.headers.contains(auth))
        let model = try JSONParser.parse(call.request.body)["model"]
        #expect(model == (kind == "azure-responses" ? "prod-5" : "gpt-5"), "Azure's body names the deployment")
    }

    @Test("a thinking signature packs its kind, owner, model and the upstream's token, and nothing else unpacks as one")
    func signatureRoundTrip() {
        for kind in [PackedSignature.Kind.responsesReasoning, .anthropicNative] {
            let packed = PackedSignature(kind: kind, owner: "0123abcd", model: "gpt-5", payload: "gAAAAB+/=x\u{e9}")
            #expect(packed.signature.hasPrefix("ccp1."))
            #expect(PackedSignature(signature: packed.signature) == packed)
            #expect(PackedSignature.payload(of: packed.signature, kind: kind, owner: "0123abcd", model: "gpt-5") == "gAAAAB+/=x\u{e9}")
            #expect(PackedSignature.payload(of: packed.signature, kind: kind, owner: "0123abcd", model: "gpt-5.1") == nil)
            #expect(PackedSignature.payload(of: packed.signature, kind: kind, owner: "another", model: "gpt-5") == nil)
        }
        let native = PackedSignature(kind: .anthropicNative, owner: "o", model: "m", payload: "EqQB").signature
        #expect(PackedSignature.payload(of: native, kind: .responsesReasoning, owner: "o", model: "m") == nil)
        for other in [ThinkingSignature.proxySignature, "EqQBCgIYAhIM", "ccp1.", "ccp1.!!", "ccp1.e30x"] {
            #expect(PackedSignature(signature: other) == nil, "\(other)")
        }
        for length in 0..<8 {
            let bytes = (0..<length).map { (index: Int) -> UInt8 in UInt8(truncatingIfNeeded: index * 97 + 13) }
            #expect(Base64URL.decoded(Base64URL.encoded(bytes)[...]) == bytes)
        }
        #expect(Base64URL.encoded(Array("{}".utf8)) == "e30")
    }
}
