/// Anthropic request → OpenAI chat-completions body (docs/translation.md §3).
///
/// The body is built field by field from `MessagesRequest`, so nothing the client sent that OpenAI-family
/// servers do not know can reach them (strict providers answer unknown fields with a 400).
package enum RequestTranslator {
    package static func body(for request: MessagesRequest, options: ChatCompletionsOptions) -> (body: JSONValue, toolNames: ToolNameMapping)
    {
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
