import ClaudeCodeProxyKit
import CohereAdapter

/// Requests, answers and streams shaped like real Claude Code and Cohere traffic.
enum Fixtures {
    static let settings = ProviderSettings(
        name: "cohere", type: CohereAdapter.kind, baseURL: "https://api.cohere.com/", apiKey: "co-test-key"
    )
    static let context = CallContext(
        provider: "cohere", apiKey: "co-test-key", upstreamModel: "command-a-03-2025", maxTokens: 4096, estimatedInputTokens: 321)

    static let weatherSchema: JSONValue = [
        "type": "object", "properties": ["location": ["type": "string"]], "required": ["location"],
    ]

    /// A Claude Code turn: system prompt, a tool, a call of it, its result, and the next question.
    static func toolConversation(stream: Bool = false) -> MessagesRequest {
        MessagesRequest(
            model: "claude-sonnet-4-5", maxTokens: 32000, system: ["You are Claude Code.", "Be brief."],
            messages: [
                InputMessage(role: .user, content: [.text("Weather in Madrid?")]),
                InputMessage(
                    role: .assistant,
                    content: [
                        .thinking(text: "The user wants the weather.", signature: "sig"),
                        .text("I will look up the weather in Madrid."),
                        .toolUse(id: "get_weather_p1t92w7gfgq7", name: "get_weather", input: ["location": "Madrid"]),
                    ]),
                InputMessage(
                    role: .user,
                    content: [
                        .toolResult(toolUseID: "get_weather_p1t92w7gfgq7", content: [.text(#"{"temperature":"24C"}"#)], isError: false),
                        .text("And tomorrow?"),
                    ]),
            ],
            tools: [ToolDefinition(name: "get_weather", description: "gets the weather", inputSchema: weatherSchema)],
            stopSequences: ["\n\nHuman:"], temperature: 0.3, topP: 0.75, topK: 40, stream: stream
        )
    }

    static func simpleRequest(stream: Bool = false) -> MessagesRequest {
        MessagesRequest(
            model: "claude-haiku-4-5", maxTokens: 512, messages: [InputMessage(role: .user, content: [.text("Hola")])], stream: stream)
    }

    static let textAnswer = #"""
        {"id":"e7592632-1e3d-424f-b129-bd5f9f980f7b",
         "message":{"role":"assistant","content":[{"type":"text","text":"The capital of France is Paris."}]},
         "finish_reason":"COMPLETE",
         "usage":{"billed_units":{"input_tokens":12,"output_tokens":7},
                  "tokens":{"input_tokens":507,"output_tokens":10},"cached_tokens":448}}
        """#

    static let toolCallAnswer = #"""
        {"id":"f201af17-e24a-4396-8f6a-98e8bf9c3432",
         "message":{"role":"assistant","tool_plan":"I will use the weather tool to find out the weather in San Francisco.",
          "tool_calls":[{"id":"weather_dqgshstja6p9","type":"function",
            "function":{"name":"weather","arguments":"{\"location\":\"San Francisco\"}"}}]},
         "finish_reason":"TOOL_CALL",
         "usage":{"billed_units":{"input_tokens":119,"output_tokens":52},
                  "tokens":{"input_tokens":1549,"output_tokens":103},"cached_tokens":992}}
        """#

    /// The text stream of the research notes (a NeuralTrust capture), framed as Cohere frames it.
    static let textStreamPayloads: [String] = [
        #"{"id":"5c1f0c2e-8f7a-4f0e-9a51-3f0f1c9b2a10","type":"message-start","#
            + #""delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}"#,
        #"{"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}}"#,
        #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hola"}}}}"#,
        #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":" Juan"}}}}"#,
        #"{"type":"content-end","index":0}"#,
        #"{"type":"message-end","delta":{"finish_reason":"COMPLETE","#
            + #""usage":{"billed_units":{"input_tokens":5,"output_tokens":2},"tokens":{"input_tokens":70,"output_tokens":2}}}}"#,
    ]
    static var textStream: [UInt8] { sse(textStreamPayloads) }

    /// The tool-call stream of the research notes: a plan, then one call whose arguments come in pieces.
    static let toolCallStreamPayloads: [String] = [
        #"{"id":"93b3f521-090e-4ebc-bac4-f7c557e63c00","type":"message-start","#
            + #""delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}"#,
        #"{"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will check the weather."}}}"#,
        #"{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"get_weather_3v76fs3zjrgq","type":"function","#
            + #""function":{"name":"get_weather","arguments":""}}}}}"#,
        #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\n    \""}}}}}"#,
        #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"location"}}}}}"#,
        #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"\": \"Madrid\""}}}}}"#,
        #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"\n}"}}}}}"#,
        #"{"type":"tool-call-end","index":0}"#,
        #"{"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":50,"output_tokens":26},"#
            + #""tokens":{"input_tokens":793,"output_tokens":61},"cached_tokens":176}}}"#,
    ]
    static var toolCallStream: [UInt8] { sse(toolCallStreamPayloads) }

    /// A reasoning model's stream: a thinking block (index 0), then the answer (index 1).
    static let reasoningStreamPayloads: [String] = [
        #"{"id":"r1","type":"message-start","delta":{"message":{"role":"assistant"}}}"#,
        #"{"type":"content-start","index":0,"delta":{"message":{"content":{"type":"thinking","thinking":""}}}}"#,
        #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Two plus two."}}}}"#,
        #"{"type":"content-end","index":0}"#,
        #"{"type":"content-start","index":1,"delta":{"message":{"content":{"type":"text","text":""}}}}"#,
        #"{"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"4"}}}}"#,
        #"{"type":"content-end","index":1}"#,
        #"{"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"tokens":{"input_tokens":30,"output_tokens":9}}}}"#,
    ]
    static var reasoningStream: [UInt8] { sse(reasoningStreamPayloads) }

    /// `event: TYPE` + `data: JSON` frames (TYPE read from the JSON), then `data: [DONE]` when `done`.
    static func sse(_ payloads: [String], done: Bool = true) -> [UInt8] {
        var text = ""
        for payload in payloads {
            let type = (try? JSONParser.parse(payload))?["type"]?.stringValue ?? "unknown"
            text += "event: \(type)\ndata: \(payload)\n\n"
        }
        if done { text += "data: [DONE]\n\n" }
        return Array(text.utf8)
    }

    static func call(
        _ request: MessagesRequest, context: CallContext = context, settings: ProviderSettings = settings
    ) throws -> PreparedCall {
        try CohereAdapter(settings: settings).prepareCall(for: request, context: context)
    }

    static func body(_ request: MessagesRequest, context: CallContext = context) throws -> JSONValue {
        try JSONParser.parse(try call(request, context: context).request.body)
    }
}
