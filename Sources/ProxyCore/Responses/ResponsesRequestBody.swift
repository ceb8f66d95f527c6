/// Anthropic request → Responses API body (docs/responses-api.md §6.1), stateless: `store: false`, the
/// whole conversation in `input`, no `previous_response_id`.
///
/// Built field by field, like the chat-completions body: what the Responses API has no field for is
/// left out (`stop_sequences`, `top_k`), and nothing the client sent reaches the upstream unread. A
/// structured-output schema goes as `text.format` (every Responses service takes `json_schema`).
package enum ResponsesRequestBody {
    /// The smallest `max_output_tokens` the API takes ("Expected a value >= 16").
    static let minimumOutputTokens = 16

    /// The fields of a body that `/responses/input_tokens` takes (the others only a generation does).
    static let countedFields: Set = [
        "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "reasoning", "text", "truncation",
    ]

    package static func body(for request: MessagesRequest, options: ResponsesOptions) -> (body: JSONValue, toolNames: ToolNameMapping) {
        let functionTools = request.tools.filter { !$0.isServerTool }
        let toolNames = ToolNameMapping(clientNames: functionTools.map(\.name))
        var body: [(key: String, value: JSONValue)] = [("model", .string(options.upstreamModel))]
        let instructions = MessageWalk.systemText(request.system)
        if !instructions.isEmpty { body.append(("instructions", .string(instructions))) }
        body.append(("input", .array(ResponsesInput.items(for: request, toolNames: toolNames, options: options))))
        if !functionTools.isEmpty {
            body.append(("tools", .array(functionTools.map { tool(for: $0, toolNames: toolNames) })))
            // A choice naming a tool that is not sent (a server tool such as web_search) would be a 400.
            if let choice = request.toolChoice, choice.kind != .tool || functionTools.contains(where: { $0.name == choice.name }) {
                body.append(("tool_choice", toolChoice(for: choice, toolNames: toolNames)))
                if choice.disableParallelToolUse { body.append(("parallel_tool_calls", false)) }
            }
        }
        body.append(("max_output_tokens", .integer(Int64(max(options.maxTokens, minimumOutputTokens)))))
        if !options.isReasoningModel {
            if let temperature = request.temperature { body.append(("temperature", .double(temperature))) }
            if let topP = request.topP { body.append(("top_p", .double(topP))) }
        }
        if options.sendsReasoning, let effort = ReasoningEffort.derive(thinking: request.thinking, effort: request.effort) {
            var reasoning: [(key: String, value: JSONValue)] = [("effort", .string(effort))]
            if let summary = options.quirks[Quirks.reasoningSummary] { reasoning.append(("summary", .string(summary))) }
            body.append(("reasoning", .object(reasoning)))
            // Without it a stateless call gets reasoning it cannot send back.
            body.append(("include", ["reasoning.encrypted_content"]))
        }
        if let schema = request.outputSchema {
            let format: [(key: String, value: JSONValue)] = [("type", "json_schema")] + ResponseSchema.format(for: schema, dialect: .openai)
            body.append(("text", ["format": .object(format)]))
        }
        body.append(("store", false))
        if options.sendPromptCacheKey, let session = request.sessionID {
            body.append(("prompt_cache_key", .string(String(SHA256.hex(session).prefix(32)))))
        }
        if options.quirks[Quirks.sendUser], let user = request.metadataUserID, !user.isEmpty {
            body.append(("safety_identifier", .string(SHA256.hex(user))))  // 64 hex characters, never the raw ids
        }
        if request.stream { body.append(("stream", true)) }
        for (key, value) in options.quirks[Quirks.extraBody] {
            body.removeAll { $0.key == key }
            body.append((key, value))
        }
        return (.object(body), toolNames)
    }

    /// A flat function tool. `strict: false`: the API turns strict mode on when it is left out, and
    /// strict schemas reject the optional properties every Claude Code tool has.
    private static func tool(for tool: ToolDefinition, toolNames: ToolNameMapping) -> JSONValue {
        [
            "type": "function",
            "name": .string(toolNames.upstreamName(for: tool.name)),
            "description": .string(tool.description ?? ""),
            "parameters": ToolSchema.cleaned(tool.inputSchema),
            "strict": false,
        ]
    }

    private static func toolChoice(for choice: ToolChoice, toolNames: ToolNameMapping) -> JSONValue {
        switch choice.kind {
        case .auto: return "auto"
        case .any: return "required"
        case .none: return "none"
        case .tool: return ["type": "function", "name": .string(toolNames.upstreamName(for: choice.name ?? ""))]
        }
    }
}
