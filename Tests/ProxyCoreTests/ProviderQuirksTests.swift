import Testing

@testable import ProxyCore

/// Each quirk flag changes the upstream body as documented (docs/translation.md §9.13).
@Suite("Provider quirks applied to the upstream body")
struct ProviderQuirksTests {
    static let request = MessagesRequest(
        model: "claude-opus-4", maxTokens: 32000,
        messages: [
            InputMessage(role: .user, content: [.text("list files")]),
            InputMessage(
                role: .assistant,
                content: [
                    .thinking(text: "Use Bash.", signature: "ccp1.e30"), .toolUse(id: "toolu_1", name: "Bash", input: ["command": "ls"]),
                ]),
            InputMessage(role: .user, content: [.toolResult(toolUseID: "toolu_1", content: [.text("a.txt")], isError: false)]),
        ],
        tools: [
            ToolDefinition(
                name: "Bash",
                inputSchema: [
                    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "additionalProperties": false,
                    "properties": [
                        "command": ["type": "string", "format": "uri"], "timeout": ["type": ["number", "null"], "exclusiveMinimum": 0],
                    ],
                ])
        ],
        toolChoice: ToolChoice(kind: .auto, disableParallelToolUse: true), stream: true, thinking: .enabled(budgetTokens: 10000)
    )

    static func body(_ quirks: ProviderQuirks, model: String = "gpt-4o") -> JSONValue {
        let adapter = OpenAIAdapter(
            settings: ProviderSettings(name: "p", type: "openai", baseURL: "http://h/v1", apiKey: "k", quirks: quirks))
        return (try? adapter.upstreamBody(for: request, model: model, maxTokens: 16000)) ?? .null
    }

    @Test("defaults: OpenAI's own rules")
    func defaults() {
        let body = Self.body(ProviderQuirks())
        #expect(body["max_tokens"] == 16000)
        #expect(body["stream_options"] == ["include_usage": true])
        #expect(body["parallel_tool_calls"] == false)
        #expect(body["reasoning_effort"] == nil, "gpt-4o is not a reasoning model")
        #expect(body["messages"]?.arrayValue?[1]["reasoning_content"] == nil)
    }

    @Test("max_tokens_field overrides the adapter's choice")
    func maxTokensField() {
        let body = Self.body(ProviderQuirks(["max_tokens_field": "max_completion_tokens"]))
        #expect(body["max_completion_tokens"] == 16000)
        #expect(body["max_tokens"] == nil)
    }

    @Test("reasoning_effort: always sends it for thinking requests, never suppresses it for reasoning models")
    func reasoningEffort() {
        #expect(Self.body(ProviderQuirks(["reasoning_effort": "always"]))["reasoning_effort"] == "medium")
        #expect(Self.body(ProviderQuirks(["reasoning_effort": "never"]), model: "gpt-5")["reasoning_effort"] == nil)
        #expect(Self.body(ProviderQuirks(), model: "gpt-5")["reasoning_effort"] == "medium")
    }

    @Test("stream_usage: false leaves stream_options out")
    func streamUsage() {
        let body = Self.body(ProviderQuirks(["stream_usage": false]))
        #expect(body["stream"] == true)
        #expect(body["stream_options"] == nil)
    }

    @Test("parallel_tool_calls: false never sends the field")
    func parallelToolCalls() {
        #expect(Self.body(ProviderQuirks(["parallel_tool_calls": false]))["parallel_tool_calls"] == nil)
    }

    @Test("reasoning_passback puts earlier thinking on the assistant message under the named field")
    func reasoningPassback() {
        let assistant = Self.body(ProviderQuirks(["reasoning_passback": "reasoning_content"]))["messages"]?.arrayValue?[1]
        #expect(assistant?["role"] == "assistant")
        #expect(assistant?["reasoning_content"] == "Use Bash.")
        #expect(Self.body(ProviderQuirks(["reasoning_passback": "reasoning"]))["messages"]?.arrayValue?[1]["reasoning"] == "Use Bash.")
    }

    @Test("extra_body is merged last and wins over translated fields")
    func extraBody() {
        let body = Self.body(ProviderQuirks(["extra_body": ["keep_alive": "30m", "max_tokens": 1234]]))
        #expect(body["keep_alive"] == "30m")
        #expect(body["max_tokens"] == 1234)
    }

    @Test("schema_dialect: gemini keeps only Gemini's schema subset and rewrites nullable types")
    func geminiDialect() {
        let parameters = Self.body(ProviderQuirks(["schema_dialect": "gemini"]))["tools"]?.arrayValue?.first?["function"]?["parameters"]
        #expect(
            parameters == [
                "type": "object",
                "properties": ["command": ["type": "string"], "timeout": ["type": "number", "nullable": true]],
            ])
    }

    @Test("the gemini dialect inlines $ref, turns const into enum and flattens a nullable anyOf")
    func geminiReferences() {
        let schema: JSONValue = [
            "type": "object",
            "$defs": ["Mode": ["type": "string", "const": "fast"]],
            "properties": [
                "mode": ["$ref": "#/$defs/Mode"],
                "limit": ["anyOf": [["type": "integer", "minimum": 1], ["type": "null"]]],
                "tags": ["type": "array", "items": ["type": "string", "propertyNames": ["pattern": "x"]], "uniqueItems": true],
            ],
        ]
        #expect(
            GeminiSchema.cleaned(schema) == [
                "type": "object",
                "properties": [
                    "mode": ["type": "string", "enum": ["fast"]],
                    "limit": ["nullable": true, "type": "integer", "minimum": 1],
                    "tags": ["type": "array", "items": ["type": "string"]],
                ],
            ])
    }

    @Test("images: describe puts a notice where each image was, in user turns and tool results; send keeps image_url parts")
    func describeImages() throws {
        let image = ContentBlock.image(.base64(mediaType: "image/png", data: "iVBORw0KGgo="))
        let request = MessagesRequest(
            model: "claude-opus-4", maxTokens: 1000,
            messages: [
                InputMessage(role: .user, content: [.text("what is this?"), image]),
                InputMessage(role: .assistant, content: [.toolUse(id: "toolu_1", name: "Read", input: ["file_path": "a.png"])]),
                InputMessage(role: .user, content: [.toolResult(toolUseID: "toolu_1", content: [image], isError: false)]),
            ]
        )
        let adapter = { (quirks: ProviderQuirks) in
            OpenAIAdapter(settings: ProviderSettings(name: "p", type: "openai", baseURL: "http://h/v1", apiKey: "k", quirks: quirks))
        }
        let described = try adapter(ProviderQuirks(["images": "describe"])).upstreamBody(for: request, model: "deepseek-chat")
            .serializedString()
        #expect(!described.contains("image_url"))
        #expect(Self.occurrences(of: "[image not shown: this model's provider cannot read images]", in: described) == 2)
        let sent = try adapter(ProviderQuirks()).upstreamBody(for: request, model: "gpt-4o").serializedString()
        #expect(Self.occurrences(of: "\"image_url\"", in: sent) == 2 * 2)  // the part type and its key, twice
        #expect(!sent.contains("image not shown"))
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.split(separator: needle, omittingEmptySubsequences: false).count - 1
    }
}
