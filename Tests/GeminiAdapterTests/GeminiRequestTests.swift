import GeminiAdapter
import ProxyCore
import Testing

@Suite("Gemini requests")
struct GeminiRequestTests {
    let gemini = GeminiHarness()

    @Test("URLs, streams and the key header")
    func urlsAndAuth() throws {
        let call = try gemini.call(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#))
        #expect(call.request.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:generateContent")
        #expect(call.request.headers.contains(HTTPHeader("x-goog-api-key", "test-key")))
        let stream = try gemini.call(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#, extra: #","stream":true"#))
        #expect(stream.request.url.hasSuffix("/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse"))

        var versioned = GeminiHarness(baseURL: "http://127.0.0.1:9/v1beta/")
        versioned.model = "models/gemini-2.5-pro"
        #expect(
            try versioned.call(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#)).request.url
                == "http://127.0.0.1:9/v1beta/models/gemini-2.5-pro:generateContent")

        let bearer = GeminiAdapter(
            settings: ProviderSettings(name: "g", type: "gemini", baseURL: "http://127.0.0.1:9", apiKey: "k", bearerAuth: true))
        #expect(bearer.authHeaders(apiKey: "k") == [HTTPHeader("authorization", "Bearer k")])
    }

    @Test("without a key (a gateway that adds its own), no key header")
    func noKey() throws {
        let call = try gemini.adapter.prepareCall(
            for: MessagesRequest(model: "m", messages: [InputMessage(role: .user, content: [.text("hi")])]),
            context: CallContext(provider: "g", upstreamModel: "gemini-2.5-pro", maxTokens: 10))
        #expect(!call.request.headers.contains { $0.name == "x-goog-api-key" || $0.name == "authorization" })
    }

    @Test("system prompt, turns, images and documents")
    func contents() throws {
        let body = try gemini.body(
            GeminiHarness.request(
                #"""
                [{"role":"user","content":[{"type":"text","text":"look"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
                 {"role":"assistant","content":"a cat"},
                 {"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},{"type":"text","text":"and"}]},
                 {"role":"user","content":"this?"}]
                """#, extra: #","system":[{"type":"text","text":"Be brief."}]"#))
        #expect(body["systemInstruction"] == ["parts": [["text": "Be brief."]]])
        let contents = body["contents"]?.arrayValue ?? []
        #expect(contents.map { $0["role"]?.stringValue } == ["user", "model", "user"])
        #expect(contents[0]["parts"] == [["text": "look"], ["inlineData": ["mimeType": "image/png", "data": "iVBORw0KGgo="]]])
        #expect(contents[1]["parts"] == [["text": "a cat"]])
        // The two user messages became one turn.
        #expect(
            contents[2]["parts"] == [
                ["inlineData": ["mimeType": "application/pdf", "data": "JVBERi0="]], ["text": "and"], ["text": "this?"],
            ])
    }

    @Test("tools, their schemas and tool_choice")
    func tools() throws {
        let tools = #"""
            ,"tools":[{"name":"Read","description":"Reads a file","input_schema":{"type":"object","$schema":"http://json-schema.org/draft-07/schema#","additionalProperties":false,"properties":{"path":{"type":"string"},"limit":{"type":["integer","null"]}},"required":["path"]}},
                      {"name":"Ping","input_schema":{"type":"object","properties":{}}},
                      {"type":"web_search_20250305","name":"web_search"}]
            """#
        let messages = #"[{"role":"user","content":"hi"}]"#
        let body = try gemini.body(GeminiHarness.request(messages, extra: tools + #","tool_choice":{"type":"tool","name":"Read"}"#))
        let declarations = body["tools"]?.arrayValue?.first?["functionDeclarations"]?.arrayValue ?? []
        #expect(declarations.count == 2)
        #expect(
            declarations[0]
                == [
                    "name": "Read", "description": "Reads a file",
                    "parameters": [
                        "type": "object",
                        "properties": ["path": ["type": "string"], "limit": ["type": "integer", "nullable": true]],
                        "required": ["path"],
                    ],
                ])
        #expect(declarations[1] == ["name": "Ping"])
        #expect(body["toolConfig"] == ["functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": ["Read"]]])
        for (choice, mode) in [("auto", "AUTO"), ("any", "ANY"), ("none", "NONE")] {
            let chosen = try gemini.body(GeminiHarness.request(messages, extra: tools + #","tool_choice":{"type":"\#(choice)"}"#))
            #expect(chosen["toolConfig"] == ["functionCallingConfig": ["mode": .string(mode)]])
        }
    }

    @Test("generation settings, stop sequences and structured output")
    func generationConfig() throws {
        let body = try gemini.body(
            GeminiHarness.request(
                #"[{"role":"user","content":"hi"}]"#,
                extra: #""#
                    + #","temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["a","b","c","d","e","f"]"#
                    + #","output_config":{"format":{"type":"json_schema","schema":{"type":"object","properties":{"n":{"type":"integer"}}}}}"#
            ))
        #expect(
            body["generationConfig"]
                == [
                    "maxOutputTokens": 1024, "temperature": 0.5, "topP": 0.9, "topK": 40, "stopSequences": ["a", "b", "c", "d", "e"],
                    "responseMimeType": "application/json",
                    "responseJsonSchema": ["type": "object", "properties": ["n": ["type": "integer"]]],
                ])
    }

    @Test("thinking by level for Gemini 3, by budget before it")
    func thinking() throws {
        func config(_ model: String, _ thinking: String) throws -> JSONValue? {
            var harness = GeminiHarness()
            harness.model = model
            return try harness.body(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#, extra: thinking))["generationConfig"]?[
                "thinkingConfig"]
        }
        let fixed = #","thinking":{"type":"enabled","budget_tokens":8000}"#
        #expect(try config("gemini-3-pro-preview", fixed) == ["includeThoughts": true, "thinkingLevel": "high"])
        #expect(
            try config("gemini-3-flash", #","thinking":{"type":"enabled","budget_tokens":1024}"#) == [
                "includeThoughts": true, "thinkingLevel": "low",
            ])
        #expect(try config("gemini-2.5-flash", fixed) == ["includeThoughts": true, "thinkingBudget": 8000])
        #expect(try config("gemini-2.5-pro", #","thinking":{"type":"adaptive"}"#) == ["includeThoughts": true, "thinkingBudget": -1])
        #expect(
            try config("gemini-3-pro-preview", #","thinking":{"type":"adaptive"},"output_config":{"effort":"low"}"#)
                == ["includeThoughts": true, "thinkingLevel": "low"])
        #expect(try config("gemini-3-pro-preview", #","thinking":{"type":"disabled"}"#) == nil)
        #expect(try config("gemini-3-pro-preview", "") == nil)
    }

    @Test("tool results are function responses named after their call, ahead of the turn's other parts")
    func functionResponses() throws {
        let body = try gemini.body(
            GeminiHarness.request(
                #"""
                [{"role":"user","content":"list files"},
                 {"role":"assistant","content":[{"type":"tool_use","id":"toolu_a","name":"Bash","input":{"command":"ls"}},{"type":"tool_use","id":"toolu_b","name":"Read","input":{"path":"x"}}]},
                 {"role":"user","content":[{"type":"text","text":"here"},{"type":"tool_result","tool_use_id":"toolu_a","content":"a.txt"},{"type":"tool_result","tool_use_id":"toolu_b","is_error":true,"content":[{"type":"text","text":"no such file"}]}]}]
                """#))
        let contents = body["contents"]?.arrayValue ?? []
        #expect(
            contents[2]["parts"]
                == [
                    ["functionResponse": ["name": "Bash", "response": ["output": "a.txt"]]],
                    ["functionResponse": ["name": "Read", "response": ["error": "no such file"]]],
                    ["text": "here"],
                ])
    }

    @Test("countTokens wraps the generation request")
    func countTokens() throws {
        let request = try MessagesRequest(json: JSONParser.parse(GeminiHarness.request(#"[{"role":"user","content":"hi"}]"#)))
        let count = try #require(try gemini.adapter.prepareTokenCount(for: request, context: gemini.context))
        #expect(count.request.url.hasSuffix("/v1beta/models/gemini-3-pro-preview:countTokens"))
        let body = try JSONParser.parse(count.request.body)
        #expect(body["generateContentRequest"]?["model"] == "models/gemini-3-pro-preview")
        #expect(body["generateContentRequest"]?["contents"] == [["role": "user", "parts": [["text": "hi"]]]])
        #expect(body["generateContentRequest"]?["generationConfig"] == nil)
        #expect(count.inputTokens(Array(#"{"totalTokens":4242}"#.utf8)) == 4242)
        #expect(count.inputTokens(Array(#"{"error":{"code":400}}"#.utf8)) == nil)
    }
}
