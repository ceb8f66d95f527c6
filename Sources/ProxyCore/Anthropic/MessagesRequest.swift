/// A `POST /v1/messages` body, as much of it as an OpenAI-compatible upstream can honour.
///
/// Fields Anthropic's API has but OpenAI's has no counterpart for (`context_management`, `cache_control`,
/// `container`, betas…) are accepted and not represented: the upstream body is built from this type
/// alone, so nothing unknown can leak through.
public struct MessagesRequest: Sendable, Equatable {
    /// The model name the client asked for (routing matches it; answers echo it).
    public var model: String
    /// The client's `max_tokens`; `CallContext.maxTokens` is the value to send, after the proxy's limits.
    public var maxTokens: Int?
    /// The system prompt, one string per text block.
    public var system: [String]
    /// The conversation, in order.
    public var messages: [InputMessage]
    /// The tools the client offers, server tools included.
    public var tools: [ToolDefinition]
    /// The client's `tool_choice`.
    public var toolChoice: ToolChoice?
    /// `stop_sequences`.
    public var stopSequences: [String]
    /// `temperature`.
    public var temperature: Double?
    /// `top_p`.
    public var topP: Double?
    /// `top_k`.
    public var topK: Int?
    /// Whether the client asked for a stream.
    public var stream: Bool
    /// `metadata.user_id` (Claude Code embeds device, account and session ids: never send it raw).
    public var metadataUserID: String?
    /// The client's `thinking` setting.
    public var thinking: ThinkingSetting?
    /// `output_config.effort` (`low` … `max`), Claude Code's effort level.
    public var effort: String?
    /// The JSON Schema the answer must follow (structured outputs: `output_config.format`, or the older
    /// top-level `output_format`, of type `json_schema`), as `llm --schema` and pydantic-ai send it. The
    /// answer is still one text block, holding the JSON.
    public var outputSchema: JSONValue?
    /// Claude Code's session (header `x-claude-code-session-id`, else `session_id` inside `metadata.user_id`):
    /// a stable key for upstream prompt caches.
    public var sessionID: String?
    /// The body as the client sent it, for adapters that pass it on (an Anthropic-native upstream); empty
    /// when the request was built in code.
    public var body: [UInt8] = []
    /// The client's `anthropic-version` and `anthropic-beta` headers (names lowercased), for the same.
    public var anthropicHeaders: [HTTPHeader] = []

    /// A request, as tests and adapters that call other adapters build one.
    public init(
        model: String, maxTokens: Int? = nil, system: [String] = [], messages: [InputMessage],
        tools: [ToolDefinition] = [], toolChoice: ToolChoice? = nil, stopSequences: [String] = [],
        temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, stream: Bool = false,
        metadataUserID: String? = nil, thinking: ThinkingSetting? = nil, effort: String? = nil, outputSchema: JSONValue? = nil
    ) {
        self.model = model
        self.maxTokens = maxTokens
        self.system = system
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.stopSequences = stopSequences
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.stream = stream
        self.metadataUserID = metadataUserID
        self.thinking = thinking
        self.effort = effort
        self.outputSchema = outputSchema
    }
}

/// One entry of `messages`. `system` (and `developer`) entries appear mid-conversation in current
/// Claude Code and must be accepted.
public struct InputMessage: Sendable, Equatable {
    /// Who wrote a message.
    public enum Role: String, Sendable {
        /// The roles; `system` (and `developer`) entries appear mid-conversation in Claude Code.
        case user, assistant, system
    }
    /// Who wrote it.
    public var role: Role
    /// Its blocks, a plain string content being one text block.
    public var content: [ContentBlock]

    /// A message.
    public init(role: Role, content: [ContentBlock]) {
        self.role = role
        self.content = content
    }
}

/// A tool the client offers. Server tools (`web_search_…`, `bash_…`) carry a versioned `type`.
public struct ToolDefinition: Sendable, Equatable {
    /// The tool's name, as the model must call it.
    public var name: String
    /// What the tool does, for the model.
    public var description: String?
    /// The JSON Schema of the tool's input.
    public var inputSchema: JSONValue?
    /// nil or "custom" for client-executed tools; the versioned type of an Anthropic server tool otherwise.
    public var type: String?

    /// Whether Anthropic runs the tool itself (web search, code execution): no other provider can.
    public var isServerTool: Bool { type != nil && type != "custom" }

    /// A tool definition.
    public init(name: String, description: String? = nil, inputSchema: JSONValue? = nil, type: String? = nil) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.type = type
    }
}

/// Anthropic's `tool_choice`.
public struct ToolChoice: Sendable, Equatable {
    /// Anthropic's `tool_choice.type`.
    public enum Kind: String, Sendable {
        /// May call tools; must call one; must call `name`; must not call any.
        case auto, any, tool, none
    }
    /// Whether the model may, must, must not, or must call one named tool.
    public var kind: Kind
    /// The tool to call, for `tool`.
    public var name: String?
    /// `disable_parallel_tool_use`: at most one tool call per turn.
    public var disableParallelToolUse: Bool

    /// A tool choice.
    public init(kind: Kind, name: String? = nil, disableParallelToolUse: Bool = false) {
        self.kind = kind
        self.name = name
        self.disableParallelToolUse = disableParallelToolUse
    }
}

/// Anthropic's `thinking` setting.
public enum ThinkingSetting: Sendable, Equatable {
    /// Extended thinking with a token budget.
    case enabled(budgetTokens: Int)
    /// The model decides how much to think (`effort` steers it).
    case adaptive
    /// No thinking.
    case disabled
}
