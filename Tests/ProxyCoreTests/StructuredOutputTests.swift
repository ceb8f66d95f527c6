import Testing

@testable import ProxyCore

/// Structured outputs (`output_config.format`, the older `output_format`) → `response_format` and
/// `text.format`.
@Suite("Structured outputs")
struct StructuredOutputTests {
    /// A schema that keeps OpenAI's strict-mode rules.
    static let closedSchema =
        #"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"name":{"type":"string"},"tags":{"type":"array","items":{"type":"object","properties":{"label":{"type":"string"}},"required":["label"],"additionalProperties":false}}},"required":["name","tags"],"additionalProperties":false}"#
    static let closedSchemaSent: JSONValue = [
        "type": "object",
        "properties": [
            "name": ["type": "string"],
            "tags": [
                "type": "array",
                "items": [
                    "type": "object", "properties": ["label": ["type": "string"]], "required": ["label"], "additionalProperties": false,
                ],
            ],
        ],
        "required": ["name", "tags"],
        "additionalProperties": false,
    ]
    /// One with an optional property, as Anthropic's structured outputs accept.
    static let openSchema = #"{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name"]}"#

    static func request(_ member: String, stream: Bool = false, system: String? = nil) -> String {
        let systemMember = system.map { #","system":"\#($0)""# } ?? ""
        return #"{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":\#(stream),"messages":[{"role":"user","content":"Describe Ada."}]"#
            + systemMember + "," + member + "}"
    }

    static func outputConfig(_ schema: String) -> String {
        #""output_config":{"format":{"type":"json_schema","schema":"# + schema + "}}"
    }

    static func decoded(_ json: String) throws -> MessagesRequest {
        try MessagesRequest(json: JSONParser.parse(json))
    }

    static func chatBody(_ json: String, quirks: [String: JSONValue] = [:]) throws -> JSONValue {
        var options = RequestHarness.defaultOptions
        options.quirks = ProviderQuirks(quirks)
        return try RequestHarness.body(json, options: options)
    }

    // MARK: - Decoding

    @Test("output_config.format and the beta's top-level output_format both carry the schema")
    func decodesBothForms() throws {
        let schema = try JSONParser.parse(Self.openSchema)
        #expect(try Self.decoded(Self.request(Self.outputConfig(Self.openSchema))).outputSchema == schema)
        let beta = try Self.decoded(Self.request(#""output_format":{"type":"json_schema","schema":"# + Self.openSchema + "}"))
        #expect(beta.outputSchema == schema)
    }

    @Test("output_config.format wins over output_format; effort beside the format still reads")
    func currentFormWins() throws {
        let json = Self.request(
            #""output_config":{"effort":"low","format":{"type":"json_schema","schema":{"type":"object"}}},"output_format":{"type":"json_schema","schema":{"type":"string"}}"#
        )
        let request = try Self.decoded(json)
        #expect(request.outputSchema == ["type": "object"])
        #expect(request.effort == "low")
    }

    @Test("without a format, or with a null one, there is no schema")
    func noFormat() throws {
        #expect(try Self.decoded(Self.request(#""output_config":{"effort":"high"}"#)).outputSchema == nil)
        #expect(try Self.decoded(Self.request(#""output_config":{"format":null},"output_format":null"#)).outputSchema == nil)
    }

    @Test(
        "a malformed format is a 400 naming the field",
        arguments: [
            (#""output_config":{"format":"json"}"#, "output_config.format", "must be an object, not a string"),
            (#""output_config":{"format":{"schema":{}}}"#, "output_config.format.type", "is required"),
            (
                #""output_config":{"format":{"type":"json_object","schema":{}}}"#, "output_config.format.type",
                #"must be "json_schema", not "json_object""#
            ),
            (#""output_config":{"format":{"type":"json_schema"}}"#, "output_config.format.schema", "is required"),
            (#""output_format":{"type":"json_schema","schema":[]}"#, "output_format.schema", "must be an object, not an array"),
        ]
    )
    func malformed(member: String, path: String, problem: String) throws {
        let error = try #require(throws: RequestDecodingError.self) { try Self.decoded(Self.request(member)) }
        #expect(error.path == path)
        #expect(error.problem == problem)
    }

    // MARK: - Chat completions

    @Test("a closed schema goes as a strict json_schema response_format, streaming or not", arguments: [false, true])
    func chatStrict(stream: Bool) throws {
        let body = try Self.chatBody(Self.request(Self.outputConfig(Self.closedSchema), stream: stream))
        #expect(
            body["response_format"] == [
                "type": "json_schema", "json_schema": ["name": "structured_output", "schema": Self.closedSchemaSent, "strict": true],
            ])
        #expect(body["stream"] == (stream ? true : nil))
        // The upstream enforces the schema: the prompt is left as the client wrote it.
        #expect(body["messages"] == [["role": "user", "content": "Describe Ada."]])
    }

    @Test("the older output_format reaches the upstream the same way")
    func chatBetaForm() throws {
        let body = try Self.chatBody(Self.request(#""output_format":{"type":"json_schema","schema":"# + Self.closedSchema + "}"))
        #expect(body["response_format"]?["json_schema"]?["schema"] == Self.closedSchemaSent)
        #expect(body["response_format"]?["json_schema"]?["strict"] == true)
    }

    @Test(
        "a schema outside strict mode's rules is sent non-strict",
        arguments: [
            openSchema,
            #"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#,
            #"{"type":"object","properties":{"inner":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}},"required":["inner"],"additionalProperties":false}"#,
            #"{"type":"object","properties":{"name":{"type":"string","minLength":1}},"required":["name"],"additionalProperties":false}"#,
            #"{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"object","properties":{"x":{"type":"integer"}}}]}},"required":["v"],"additionalProperties":false}"#,
            #"{"type":"array","items":{"type":"string"}}"#,
        ]
    )
    func chatNonStrict(schema: String) throws {
        let body = try Self.chatBody(Self.request(Self.outputConfig(schema)))
        #expect(body["response_format"]?["type"] == "json_schema")
        #expect(body["response_format"]?["json_schema"]?["schema"] == (try JSONParser.parse(schema)))
        #expect(body["response_format"]?["json_schema"]?["strict"] == false)
    }

    @Test("nullable types, enums, $defs and anyOf of closed objects stay strict")
    func strictWithReferences() throws {
        let schema =
            ##"{"type":"object","properties":{"note":{"type":["string","null"]},"kind":{"enum":["a","b"]},"item":{"$ref":"#/$defs/Item"},"either":{"anyOf":[{"type":"string"},{"$ref":"#/$defs/Item"}]}},"required":["note","kind","item","either"],"additionalProperties":false,"$defs":{"Item":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":false}}}"##
        let body = try Self.chatBody(Self.request(Self.outputConfig(schema)))
        #expect(body["response_format"]?["json_schema"]?["strict"] == true)
    }

    @Test("response_format: json_object sends JSON mode and puts the schema in the system prompt", arguments: [false, true])
    func chatJSONObject(stream: Bool) throws {
        let body = try Self.chatBody(
            Self.request(Self.outputConfig(Self.openSchema), stream: stream, system: "You extract people."),
            quirks: ["response_format": "json_object"])
        #expect(body["response_format"] == ["type": "json_object"])
        let system = try #require(body["messages"]?.arrayValue?.first)
        #expect(system["role"] == "system")
        #expect(
            system["content"] == .string("You extract people.\n\n" + ResponseSchema.instruction(for: try JSONParser.parse(Self.openSchema)))
        )
        #expect(system["content"]?.stringValue?.contains(#"{"type":"object","properties":{"name":{"type":"string"}"#) == true)
    }

    @Test("response_format: none sends no response_format; the schema is in the system prompt alone")
    func chatNone() throws {
        let body = try Self.chatBody(Self.request(Self.outputConfig(Self.openSchema)), quirks: ["response_format": "none"])
        #expect(body["response_format"] == nil)
        #expect(
            body["messages"]?.arrayValue?.first == [
                "role": "system", "content": .string(ResponseSchema.instruction(for: try JSONParser.parse(Self.openSchema))),
            ])
    }

    @Test("schema_dialect: gemini cleans the schema like tool parameters (no additionalProperties), so it goes non-strict")
    func chatGeminiDialect() throws {
        let body = try Self.chatBody(Self.request(Self.outputConfig(Self.closedSchema)), quirks: ["schema_dialect": "gemini"])
        let format = try #require(body["response_format"]?["json_schema"])
        #expect(format["schema"] == GeminiSchema.cleaned(Self.closedSchemaSent))
        #expect(format["schema"]?["additionalProperties"] == nil)
        #expect(format["strict"] == false)
    }

    @Test("without a format no response_format is sent and the prompt is unchanged, whatever the quirk")
    func chatWithoutFormat() throws {
        for quirk: JSONValue in ["json_schema", "json_object", "none"] {
            let body = try Self.chatBody(Self.request(#""output_config":{"effort":"low"}"#), quirks: ["response_format": quirk])
            #expect(body["response_format"] == nil)
            #expect(body["messages"] == [["role": "user", "content": "Describe Ada."]])
        }
    }

    // MARK: - Responses API

    @Test("the Responses body carries the schema as text.format, streaming or not", arguments: [false, true])
    func responses(stream: Bool) throws {
        let body = try ResponsesHarness.body(Self.request(Self.outputConfig(Self.closedSchema), stream: stream))
        #expect(
            body["text"] == [
                "format": ["type": "json_schema", "name": "structured_output", "schema": Self.closedSchemaSent, "strict": true]
            ])
        #expect(body["stream"] == (stream ? true : nil))
        #expect(body["instructions"] == nil)
    }

    @Test("a Responses schema outside strict mode goes non-strict; no format, no text field")
    func responsesNonStrict() throws {
        let body = try ResponsesHarness.body(Self.request(#""output_format":{"type":"json_schema","schema":"# + Self.openSchema + "}"))
        #expect(body["text"]?["format"]?["schema"] == (try JSONParser.parse(Self.openSchema)))
        #expect(body["text"]?["format"]?["strict"] == false)
        #expect(try ResponsesHarness.body(Self.request(#""output_config":{"effort":"low"}"#))["text"] == nil)
    }
}
