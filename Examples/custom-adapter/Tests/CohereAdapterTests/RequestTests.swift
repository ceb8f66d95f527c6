import ClaudeCodeProxyKit
import CohereAdapter
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RequestTests {
    @Test func callGoesToV2ChatWithBearerAuth() throws {
        let call = try Fixtures.call(Fixtures.simpleRequest())
        #expect(call.request.method == "POST")
        #expect(call.request.url == "https://api.cohere.com/v2/chat")
        #expect(call.request.headers.contains(HTTPHeader("authorization", "Bearer co-test-key")))
        #expect(call.request.headers.contains(HTTPHeader("content-type", "application/json")))
    }

    @Test func noKeyNoAuthorization() throws {
        var context = Fixtures.context
        context.apiKey = nil
        let call = try Fixtures.call(Fixtures.simpleRequest(), context: context)
        #expect(!call.request.headers.contains { $0.name == "authorization" })
    }

    @Test func claudeCodeTurnMapsEveryField() throws {
        let body = try Fixtures.body(Fixtures.toolConversation(stream: true))
        let expected: JSONValue = [
            "model": "command-a-03-2025",
            "messages": [
                ["role": "system", "content": "You are Claude Code.\n\nBe brief."],
                ["role": "user", "content": "Weather in Madrid?"],
                [
                    "role": "assistant", "tool_plan": "I will look up the weather in Madrid.",
                    "tool_calls": [
                        [
                            "id": "get_weather_p1t92w7gfgq7", "type": "function",
                            "function": ["name": "get_weather", "arguments": #"{"location":"Madrid"}"#],
                        ]
                    ],
                ],
                ["role": "tool", "tool_call_id": "get_weather_p1t92w7gfgq7", "content": #"{"temperature":"24C"}"#],
                ["role": "user", "content": "And tomorrow?"],
            ],
            "tools": [
                [
                    "type": "function",
                    "function": ["name": "get_weather", "description": "gets the weather", "parameters": Fixtures.weatherSchema],
                ]
            ],
            "max_tokens": 4096,
            "temperature": 0.3,
            "p": 0.75,
            "k": 40,
            "stop_sequences": ["\n\nHuman:"],
            "stream": true,
        ]
        #expect(body == expected, "\(body.serializedString())")
    }

    @Test func plainTurnLeavesOutWhatWasNotAsked() throws {
        let body = try Fixtures.body(Fixtures.simpleRequest())
        #expect(
            body == [
                "model": "command-a-03-2025", "messages": [["role": "user", "content": "Hola"]], "max_tokens": 4096, "stream": false,
            ])
    }

    @Test(arguments: [
        (ToolChoice.Kind.auto, nil as String?),
        (.any, "REQUIRED"),
        (.tool, "REQUIRED"),
        (.none, "NONE"),
    ])
    func toolChoice(kind: ToolChoice.Kind, expected: String?) throws {
        var request = Fixtures.toolConversation()
        request.tools.append(ToolDefinition(name: "read_file", inputSchema: ["type": "object"]))
        request.toolChoice = ToolChoice(kind: kind, name: kind == .tool ? "read_file" : nil)
        let body = try Fixtures.body(request)
        #expect(body["tool_choice"]?.stringValue == expected)
        let offered = body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
        // Naming a tool leaves only that one on offer: Cohere cannot name the tool it requires.
        #expect(offered == (kind == .tool ? ["read_file"] : ["get_weather", "read_file"]))
    }

    @Test func toolChoiceNeedsTools() throws {
        var request = Fixtures.simpleRequest()
        request.toolChoice = ToolChoice(kind: .any)
        #expect(try Fixtures.body(request)["tool_choice"] == nil)
    }

    @Test func toolResultsComeBeforeTheirTurnsTextAndSayWhenTheyFailed() throws {
        let request = MessagesRequest(
            model: "claude-sonnet-4-5",
            messages: [
                InputMessage(
                    role: .assistant,
                    content: [
                        .toolUse(id: "a", name: "bash", input: ["command": "ls"]), .toolUse(id: "b", name: "bash", input: [:]),
                    ]),
                InputMessage(
                    role: .user,
                    content: [
                        .text("<system-reminder>x</system-reminder>"),
                        .toolResult(toolUseID: "a", content: [.text("file1"), .text("file2")], isError: false),
                        .toolResult(toolUseID: "b", content: [], isError: true),
                        .text("go on"),
                    ]),
            ])
        let messages = try Fixtures.body(request)["messages"]?.arrayValue ?? []
        #expect(messages.count == 4)
        #expect(messages[0]["tool_plan"] == nil)
        #expect(messages[0]["tool_calls"]?.arrayValue?.count == 2)
        #expect(messages[0]["tool_calls"]?.arrayValue?.last?["function"]?["arguments"] == "{}")
        #expect(messages[1] == ["role": "tool", "tool_call_id": "a", "content": "file1\nfile2"])
        #expect(messages[2] == ["role": "tool", "tool_call_id": "b", "content": "Error: (no output)"])
        #expect(
            messages[3] == [
                "role": "user",
                "content": [["type": "text", "text": "<system-reminder>x</system-reminder>"], ["type": "text", "text": "go on"]],
            ])
    }

    @Test func imagesBecomeImageURLs() throws {
        let request = MessagesRequest(
            model: "m",
            messages: [
                InputMessage(role: .user, content: [.text("What is this?"), .image(.base64(mediaType: "image/png", data: "iVBOR"))])
            ])
        let content = try Fixtures.body(request)["messages"]?.arrayValue?.first?["content"]
        #expect(
            content == [
                ["type": "text", "text": "What is this?"], ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBOR"]],
            ])
    }

    @Test func samplingParametersStayInCohereRanges() throws {
        var request = Fixtures.simpleRequest()
        request.topP = 1
        request.topK = 1000
        let body = try Fixtures.body(request)
        #expect(body["p"] == 0.99)
        #expect(body["k"] == 500)
    }

    @Test func thinkingGoesOnlyToReasoningModels() throws {
        var request = Fixtures.simpleRequest()
        request.thinking = .enabled(budgetTokens: 2048)
        #expect(try Fixtures.body(request)["thinking"] == nil)
        let reasoning = CallContext(upstreamModel: "command-a-reasoning-08-2025", maxTokens: 1024)
        #expect(try Fixtures.body(request, context: reasoning)["thinking"] == ["type": "enabled", "token_budget": 1023])
        request.thinking = .disabled
        #expect(try Fixtures.body(request, context: reasoning)["thinking"] == ["type": "disabled"])
        request.thinking = .adaptive
        #expect(try Fixtures.body(request, context: reasoning)["thinking"] == nil)
    }

    @Test func optionsThinkingOverridesTheModelNameRule() throws {
        var request = Fixtures.simpleRequest()
        request.thinking = .enabled(budgetTokens: 2048)
        var settings = Fixtures.settings
        settings.options = ["thinking": true]
        let forced = try JSONParser.parse(try Fixtures.call(request, settings: settings).request.body)
        #expect(forced["thinking"] == ["type": "enabled", "token_budget": 2048])
        settings.options = ["thinking": false]
        let reasoning = CallContext(upstreamModel: "command-a-reasoning-08-2025", maxTokens: 4096)
        #expect(try JSONParser.parse(try Fixtures.call(request, context: reasoning, settings: settings).request.body)["thinking"] == nil)
    }

    @Test func serverToolsAreNotOffered() throws {
        var request = Fixtures.simpleRequest()
        request.tools = [ToolDefinition(name: "web_search", type: "web_search_20250305"), ToolDefinition(name: "noop")]
        let tools = try Fixtures.body(request)["tools"]
        #expect(tools == [["type": "function", "function": ["name": "noop", "parameters": ["type": "object", "properties": [:]]]]])
    }
}
