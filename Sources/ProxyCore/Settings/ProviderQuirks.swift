/// What an OpenAI-compatible service accepts beyond the common subset, set per provider in config.yaml
/// or in a `providers/*.yaml` profile (translation.md §9.13). Each flag changes the upstream body; the
/// defaults suit OpenAI itself.
package struct ProviderQuirks: Sendable, Equatable {
    /// Which field carries the output limit; `auto` lets the adapter decide (by model, for OpenAI).
    package enum MaxTokensField: String, Sendable, CaseIterable {
        case auto
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
    }

    /// Whether `reasoning_effort` is sent when the client asks for thinking; `auto` lets the adapter decide.
    package enum ReasoningEffortSupport: String, Sendable, CaseIterable {
        case auto, always, never
    }

    /// How tool parameter schemas are cleaned.
    package enum SchemaDialect: String, Sendable, CaseIterable {
        /// Only `$schema` removed.
        case openai
        /// Gemini's OpenAPI subset: unsupported JSON-Schema keywords removed, nullable types rewritten.
        case gemini
    }

    /// Where `role: "system"` entries in the middle of `messages` go (translation.md §3.3).
    package enum MidSystem: String, Sendable, CaseIterable {
        /// A user message wrapped in `<system-reminder>` (keeps the prompt prefix stable for caching).
        case inlineUser = "inline_user"
        /// Appended to the top system message.
        case mergeTop = "merge_top"
        /// Kept as a system message in place (OpenAI accepts it; many local templates do not).
        case inlineSystem = "inline_system"
    }

    /// How tool-call ids are sent upstream.
    package enum ToolIDFormat: String, Sendable, CaseIterable {
        case passthrough
        /// Nine letters and digits, as Mistral requires.
        case mistral9
    }

    package var maxTokensField: MaxTokensField
    package var reasoningEffort: ReasoningEffortSupport
    /// Send `stream_options.include_usage` on streaming requests.
    package var streamUsage: Bool
    /// Send `parallel_tool_calls: false` when the client disables parallel tool use.
    package var parallelToolCalls: Bool
    /// The assistant-message field that carries earlier thinking back (DeepSeek requires
    /// `reasoning_content` on turns that called tools; vLLM ≥ 0.16 reads `reasoning`); nil drops thinking.
    package var reasoningPassback: String?
    package var schemaDialect: SchemaDialect
    /// Per upstream model: the largest `max_tokens` it accepts.
    package var maxOutputTokens: [String: Int]
    /// Merged into every request body last (e.g. OpenRouter's `provider`, Ollama's `keep_alive`).
    package var extraBody: [(key: String, value: JSONValue)]
    /// Send the SHA-256 of Claude Code's `metadata.user_id` as `user` (abuse monitoring, per-user caching);
    /// off for servers that reject fields they do not know.
    package var sendUser: Bool
    package var midSystem: MidSystem
    /// Merge adjacent user messages (chat templates that demand strict alternation); nil: the adapter decides.
    package var mergeConsecutiveUsers: Bool?
    package var toolIDFormat: ToolIDFormat
    /// Split a leading `<think>…</think>` in the answer into a thinking block.
    package var thinkTags: Bool
    /// Hold each streamed tool call's arguments until the call is complete, repair them, and send them in
    /// one delta: for models that stream broken JSON, which would otherwise reach the client as it is.
    package var bufferToolArguments: Bool
    /// Put an empty assistant turn between tool results and a following user message (Mistral rejects
    /// "user after tool").
    package var bridgeUserAfterTool: Bool

    package init(
        maxTokensField: MaxTokensField = .auto, reasoningEffort: ReasoningEffortSupport = .auto, streamUsage: Bool = true,
        parallelToolCalls: Bool = true, reasoningPassback: String? = nil, schemaDialect: SchemaDialect = .openai,
        maxOutputTokens: [String: Int] = [:], extraBody: [(key: String, value: JSONValue)] = [], sendUser: Bool = true,
        midSystem: MidSystem = .inlineUser, mergeConsecutiveUsers: Bool? = nil, toolIDFormat: ToolIDFormat = .passthrough,
        thinkTags: Bool = false, bufferToolArguments: Bool = false, bridgeUserAfterTool: Bool = false
    ) {
        self.maxTokensField = maxTokensField
        self.reasoningEffort = reasoningEffort
        self.streamUsage = streamUsage
        self.parallelToolCalls = parallelToolCalls
        self.reasoningPassback = reasoningPassback
        self.schemaDialect = schemaDialect
        self.maxOutputTokens = maxOutputTokens
        self.extraBody = extraBody
        self.sendUser = sendUser
        self.midSystem = midSystem
        self.mergeConsecutiveUsers = mergeConsecutiveUsers
        self.toolIDFormat = toolIDFormat
        self.thinkTags = thinkTags
        self.bufferToolArguments = bufferToolArguments
        self.bridgeUserAfterTool = bridgeUserAfterTool
    }

    package static func == (lhs: ProviderQuirks, rhs: ProviderQuirks) -> Bool {
        lhs.maxTokensField == rhs.maxTokensField && lhs.reasoningEffort == rhs.reasoningEffort && lhs.streamUsage == rhs.streamUsage
            && lhs.parallelToolCalls == rhs.parallelToolCalls && lhs.reasoningPassback == rhs.reasoningPassback
            && lhs.schemaDialect == rhs.schemaDialect && lhs.maxOutputTokens == rhs.maxOutputTokens
            && JSONValue.object(lhs.extraBody) == JSONValue.object(rhs.extraBody) && lhs.sendUser == rhs.sendUser
            && lhs.midSystem == rhs.midSystem && lhs.mergeConsecutiveUsers == rhs.mergeConsecutiveUsers
            && lhs.toolIDFormat == rhs.toolIDFormat && lhs.thinkTags == rhs.thinkTags
            && lhs.bufferToolArguments == rhs.bufferToolArguments && lhs.bridgeUserAfterTool == rhs.bridgeUserAfterTool
    }

    /// The adapter's options for one request with these quirks applied over them.
    package func applied(to options: ChatCompletionsOptions) -> ChatCompletionsOptions {
        var options = options
        switch maxTokensField {
        case .auto: break
        case .maxTokens: options.maxTokensField = MaxTokensField.maxTokens.rawValue
        case .maxCompletionTokens: options.maxTokensField = MaxTokensField.maxCompletionTokens.rawValue
        }
        switch reasoningEffort {
        case .auto: break
        case .always: options.acceptsReasoningEffort = true
        case .never: options.acceptsReasoningEffort = false
        }
        if let cap = maxOutputTokens[options.upstreamModel] { options.maxTokens = min(options.maxTokens, cap) }
        options.includeStreamUsage = options.includeStreamUsage && streamUsage
        options.parallelToolCalls = parallelToolCalls
        options.reasoningPassback = reasoningPassback
        options.schemaDialect = schemaDialect
        options.extraBody = extraBody
        options.sendUser = sendUser
        options.midSystem = midSystem
        options.mergeConsecutiveUsers = mergeConsecutiveUsers ?? options.mergeConsecutiveUsers
        options.toolIDFormat = toolIDFormat
        options.bridgeUserAfterTool = bridgeUserAfterTool
        return options
    }
}
