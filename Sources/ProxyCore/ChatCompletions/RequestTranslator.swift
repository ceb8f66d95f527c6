/// Anthropic request → OpenAI chat-completions body (docs/translation.md §3).
///
/// The body is built field by field from `MessagesRequest`, so nothing the client sent that OpenAI-family
/// servers do not know can reach them (strict providers answer unknown fields with a 400).
package enum RequestTranslator {
    package static func body(for request: MessagesRequest, options: ChatCompletionsOptions) -> (body: JSONValue, toolNames: ToolNameMapping)
    {
        var request = request
        let responseFormat = options.quirks[Quirks.responseFormat]
        if let schema = request.outputSchema, responseFormat != .jsonSchema {
            // Nothing upstream enforces the shape then: the model has to be told it.
            request.system.append(ResponseSchema.instruction(for: schema))
        }
        let functionTools = request.tools.filter { !$0.isServerTool }
        let toolNames = ToolNameMapping(clientNames: functionTools.map(\.name))
        var body: [(key: String, value: JSONValue)] = [("model", .string(options.upstreamModel))]
        let messages = MessageWalk.messages(for: request, toolNames: toolNames, options: options)
        body.append(("messages", .array(messages)))
        body.append((options.maxTokensField, .integer(Int64(options.maxTokens))))
        if !options.omitSamplingParameters {
            if let temperature = request.temperature { body.append(("temperature", .double(temperature))) }
            if let topP = request.topP { body.append(("top_p", .double(topP))) }
            if !request.stopSequences.isEmpty {
                body.append(("stop", .array(request.stopSequences.prefix(4).map(JSONValue.string))))
            }
        }
        if !functionTools.isEmpty {
            body.append(
                ("tools", .array(functionTools.map { tool(for: $0, toolNames: toolNames, dialect: options.quirks[Quirks.schemaDialect]) })))
            // A choice naming a tool that is not sent (a server tool such as web_search) would be a 400.
            if let choice = request.toolChoice, choice.kind != .tool || functionTools.contains(where: { $0.name == choice.name }) {
                body.append(("tool_choice", toolChoice(for: choice, toolNames: toolNames)))
                if choice.disableParallelToolUse, options.quirks[Quirks.parallelToolCalls] { body.append(("parallel_tool_calls", false)) }
            }
        }
        if let schema = request.outputSchema {
            switch responseFormat {
            case .jsonSchema:
                let format = ResponseSchema.format(for: schema, dialect: options.quirks[Quirks.schemaDialect])
                body.append(("response_format", ["type": "json_schema", "json_schema": .object(format)]))
            case .jsonObject: body.append(("response_format", ["type": "json_object"]))
            case .omitted: break
            }
        }
        if options.acceptsReasoningEffort, let effort = ReasoningEffort.derive(thinking: request.thinking, effort: request.effort) {
            body.append(("reasoning_effort", .string(effort)))
        }
        if options.quirks[Quirks.sendUser], let user = request.metadataUserID, !user.isEmpty {
            body.append(("user", .string(SHA256.hex(user))))  // 64 hex characters, never the raw ids
        }
        if options.sendPromptCacheKey, let session = request.sessionID {
            body.append(("prompt_cache_key", .string(String(SHA256.hex(session).prefix(32)))))
        }
        if request.stream {
            body.append(("stream", true))
            if options.includeStreamUsage { body.append(("stream_options", ["include_usage": true])) }
        }
        for (key, value) in options.quirks[Quirks.extraBody] {
            body.removeAll { $0.key == key }
            body.append((key, value))
        }
        return (.object(body), toolNames)
    }

    private static func tool(for tool: ToolDefinition, toolNames: ToolNameMapping, dialect: Quirks.SchemaDialect) -> JSONValue {
        let parameters = ToolSchema.cleaned(tool.inputSchema)
        return [
            "type": "function",
            "function": [
                "name": .string(toolNames.upstreamName(for: tool.name)),
                "description": .string(tool.description ?? ""),
                "parameters": dialect == .gemini ? GeminiSchema.cleaned(parameters) : parameters,
            ],
        ]
    }

    private static func toolChoice(for choice: ToolChoice, toolNames: ToolNameMapping) -> JSONValue {
        switch choice.kind {
        case .auto: return "auto"
        case .any: return "required"
        case .none: return "none"
        case .tool:
            return ["type": "function", "function": ["name": .string(toolNames.upstreamName(for: choice.name ?? ""))]]
        }
    }
}

/// Tool parameter schemas as every OpenAI-compatible server accepts them: always an object schema with
/// `properties`, and no `$schema` key (fatal on some servers).
package enum ToolSchema {
    package static func cleaned(_ schema: JSONValue?) -> JSONValue {
        guard case .object(var members) = schema else {
            return ["type": "object", "properties": [:]]
        }
        members.removeAll { $0.key == "$schema" }
        if !members.contains(where: { $0.key == "type" }) { members.insert(("type", "object"), at: 0) }
        if members.first(where: { $0.key == "type" })?.value == "object", !members.contains(where: { $0.key == "properties" }) {
            members.append(("properties", [:]))
        }
        return .object(members)
    }
}

/// A structured-output schema as OpenAI-family upstreams take it: the `name`, `schema` and `strict` of a
/// chat-completions `response_format.json_schema` or a Responses `text.format`.
///
/// `strict` is true only when the schema already keeps OpenAI's strict-mode rules (an object at the root,
/// every object closed with `additionalProperties: false` and all its properties required, no keyword
/// strict mode lacks): OpenAI answers 400 to a strict schema that breaks them, and Anthropic's structured
/// outputs accept schemas that do (optional properties). Otherwise the schema is sent non-strict, which
/// OpenAI and Groq follow as best effort; servers that constrain decoding to any schema (llama.cpp,
/// vLLM, LM Studio) enforce it either way.
package enum ResponseSchema {
    /// Anthropic's format has no name; OpenAI requires one.
    static let name = "structured_output"
    /// The keywords OpenAI's strict mode supports.
    static let strictKeywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref", "$defs",
        "definitions", "description", "title", "pattern", "format", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "minItems", "maxItems",
    ]

    /// The format's members for `schema`, cleaned like tool schemas are for `dialect` (no `$schema`;
    /// Gemini's OpenAPI subset).
    package static func format(for schema: JSONValue, dialect: Quirks.SchemaDialect) -> [(key: String, value: JSONValue)] {
        var cleaned = schema
        if case .object(var members) = schema {
            members.removeAll { $0.key == "$schema" }
            cleaned = dialect == .gemini ? GeminiSchema.cleaned(.object(members)) : .object(members)
        }
        return [("name", .string(name)), ("schema", cleaned), ("strict", .bool(isStrict(cleaned)))]
    }

    /// The system-prompt line that tells the model the shape when no upstream field enforces it.
    static func instruction(for schema: JSONValue) -> String {
        "Answer with one JSON value that follows this JSON Schema, and nothing else (no prose, no code fences):\n"
            + schema.serializedString()
    }

    /// Whether `schema` keeps OpenAI's strict-mode rules.
    static func isStrict(_ schema: JSONValue) -> Bool {
        schema["type"] == "object" && keepsStrictRules(schema)
    }

    private static func keepsStrictRules(_ schema: JSONValue) -> Bool {
        guard let members = schema.objectValue else { return false }
        for (key, value) in members {
            guard strictKeywords.contains(key) else { return false }
            switch key {
            case "properties", "$defs", "definitions":
                guard let entries = value.objectValue, entries.allSatisfy({ keepsStrictRules($0.value) }) else { return false }
            case "items":
                guard keepsStrictRules(value) else { return false }
            case "anyOf":
                guard let branches = value.arrayValue, branches.allSatisfy(keepsStrictRules) else { return false }
            default:
                break
            }
        }
        let type = schema["type"]
        guard type == "object" || type?.arrayValue?.contains("object") == true || schema["properties"] != nil else { return true }
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        return schema["additionalProperties"] == false && (schema["properties"]?.objectValue ?? []).allSatisfy { required.contains($0.key) }
    }
}
