/// What services accept beyond the common subset of their protocol: the quirks a provider section or a
/// `providers/*.yaml` profile may set. Here those of OpenAI-compatible services (docs/translation.md
/// §9.13), whose defaults suit OpenAI itself; `AnthropicQuirks.swift` and `ResponsesQuirks.swift` have those
/// of Anthropic-native and Responses API services.
///
/// A new quirk is one declaration, listed in its protocol's list, and the code that reads it
/// (`quirks[Quirks.name]`).
package enum Quirks {
    /// Which field carries the output limit; `auto` (nil) lets the adapter decide (by model, for OpenAI).
    package static let maxTokensField = Quirk<String?>.choice(
        "max_tokens_field", ["auto": nil, "max_tokens": "max_tokens", "max_completion_tokens": "max_completion_tokens"], default: nil)
    /// Whether `reasoning_effort` is sent when the client asks for thinking; `auto` (nil) lets the adapter decide.
    package static let reasoningEffort = Quirk<Bool?>.choice(
        "reasoning_effort", ["auto": nil, "always": true, "never": false], default: nil)
    /// Send `stream_options.include_usage` on streaming requests.
    package static let streamUsage = Quirk.flag("stream_usage", default: true)
    /// Send `parallel_tool_calls: false` when the client disables parallel tool use.
    package static let parallelToolCalls = Quirk.flag("parallel_tool_calls", default: true)
    /// The assistant-message field that carries earlier thinking back (DeepSeek requires
    /// `reasoning_content` on turns that called tools; vLLM ≥ 0.16 reads `reasoning`); nil drops thinking.
    package static let reasoningPassback = Quirk<String?>.choice(
        "reasoning_passback", ["reasoning_content": "reasoning_content", "reasoning": "reasoning", "none": nil], default: nil)
    /// How tool parameter and structured-output schemas are cleaned.
    package static let schemaDialect = Quirk.option("schema_dialect", default: SchemaDialect.openai)
    /// Per upstream model, what is known of it (`models: { NAME: { context_window: N, max_output_tokens: N, … } }`):
    /// the output cap lowers a larger `max_tokens`; the rest is for `/v1/models` and the context-window check.
    package static let models = Quirk<[String: ModelMetadata]>(
        "models", default: [:], expected: "a mapping of model names to { \(ModelMetadata.keys.joined(separator: ", ")) }", mergesKeys: true
    ) { configured in
        guard let members = configured.objectValue else { return nil }
        var models: [String: ModelMetadata] = [:]
        for (model, settings) in members {
            guard let metadata = ModelMetadata(json: settings) else { return nil }
            models[model] = metadata
        }
        return models
    }
    /// Merged into every request body last (e.g. OpenRouter's `provider`, Ollama's `keep_alive`).
    package static let extraBody = Quirk<[(key: String, value: JSONValue)]>("extra_body", default: [], expected: "a mapping") {
        $0.objectValue
    }
    /// Send the SHA-256 of Claude Code's `metadata.user_id` as `user` (abuse monitoring, per-user caching);
    /// off for servers that reject fields they do not know.
    package static let sendUser = Quirk.flag("send_user", default: true)
    /// Where `role: "system"` entries in the middle of `messages` go.
    package static let midSystem = Quirk.option("mid_system", default: MidSystem.inlineUser)
    /// Merge adjacent user messages (chat templates that demand strict alternation); nil: the adapter decides.
    package static let mergeConsecutiveUsers = Quirk<Bool?>.optionalFlag("merge_consecutive_users")
    /// How tool-call ids are sent upstream.
    package static let toolIDFormat = Quirk.option("tool_id_format", default: ToolIDFormat.passthrough)
    /// Split a leading `<think>…</think>` in the answer into a thinking block.
    package static let thinkTags = Quirk.flag("think_tags", default: false)
    /// Hold each streamed tool call's arguments until the call is complete, repair them, and send them in
    /// one delta: for models that stream broken JSON, which would otherwise reach the client as it is.
    package static let bufferToolArguments = Quirk.choice("tool_args", ["stream": false, "buffer": true], default: false)
    /// Put an empty assistant turn between tool results and a following user message (Mistral rejects
    /// "user after tool").
    package static let bridgeUserAfterTool = Quirk.choice("user_after_tool", ["allow": false, "bridge": true], default: false)
    /// Send images as `image_url` parts, or describe them in text for providers that reject image input
    /// (DeepSeek answers `unknown variant image_url` and fails every later turn of the conversation).
    package static let sendImages = Quirk.choice("images", ["send": true, "describe": false], default: true)
    /// How a structured-output schema (`output_config.format`) is sent: as a `json_schema` response format,
    /// or, for providers without one (DeepSeek documents only `json_object`), as JSON mode or nothing, the
    /// schema then told to the model in the system prompt.
    package static let responseFormat = Quirk.option("response_format", default: ResponseFormat.jsonSchema)

    /// Every quirk the config file accepts.
    package static let all: [any AnyQuirk] = chatCompletions + anthropicNative + responses

    /// The chat-completions component's quirks.
    static let chatCompletions: [any AnyQuirk] = [
        maxTokensField, reasoningEffort, streamUsage, parallelToolCalls, reasoningPassback, schemaDialect, models,
        extraBody, sendUser, midSystem, mergeConsecutiveUsers, toolIDFormat, thinkTags, bufferToolArguments, bridgeUserAfterTool,
        sendImages, responseFormat,
    ]

    /// How tool parameter and structured-output schemas are cleaned.
    package enum SchemaDialect: String, Sendable, CaseIterable {
        /// Only `$schema` removed.
        case openai
        /// Gemini's OpenAPI subset: unsupported JSON-Schema keywords removed, nullable types rewritten.
        case gemini
    }

    /// Where `role: "system"` entries in the middle of `messages` go (docs/translation.md §3.3).
    package enum MidSystem: String, Sendable, CaseIterable {
        /// A user message wrapped in `<system-reminder>` (keeps the prompt prefix stable for caching).
        case inlineUser = "inline_user"
        /// Appended to the top system message.
        case mergeTop = "merge_top"
        /// Kept as a system message in place (OpenAI accepts it; many local templates do not).
        case inlineSystem = "inline_system"
    }

    /// How a structured-output schema reaches a chat-completions upstream.
    package enum ResponseFormat: String, Sendable, CaseIterable {
        /// `response_format: {type: "json_schema", json_schema: {name, schema, strict}}`.
        case jsonSchema = "json_schema"
        /// `response_format: {type: "json_object"}` (JSON mode), the schema in the system prompt.
        case jsonObject = "json_object"
        /// No `response_format`, the schema in the system prompt only.
        case omitted = "none"
    }

    /// How tool-call ids are sent upstream.
    package enum ToolIDFormat: String, Sendable, CaseIterable {
        case passthrough
        /// Nine letters and digits, as Mistral requires.
        case mistral9
    }
}

extension ProviderQuirks {
    /// The adapter's options for one request with the quirks that override adapter decisions applied
    /// (output-limit field, `reasoning_effort`, stream usage, user-message merging); every other
    /// quirk is read from `options.quirks` where it is used.
    package func applied(to options: ChatCompletionsOptions) -> ChatCompletionsOptions {
        var options = options
        options.quirks = self
        if let field = self[Quirks.maxTokensField] { options.maxTokensField = field }
        if let effort = self[Quirks.reasoningEffort] { options.acceptsReasoningEffort = effort }
        options.includeStreamUsage = options.includeStreamUsage && self[Quirks.streamUsage]
        options.mergeConsecutiveUsers = self[Quirks.mergeConsecutiveUsers] ?? options.mergeConsecutiveUsers
        return options
    }
}
