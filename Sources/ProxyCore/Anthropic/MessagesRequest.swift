/// A `POST /v1/messages` body, as much of it as an OpenAI-compatible upstream can honour.
///
/// Fields Anthropic's API has but OpenAI's has no counterpart for (`context_management`, `cache_control`,
/// `container`, betas…) are accepted and not represented: the upstream body is built from this type
/// alone, so nothing unknown can leak through.
public struct MessagesRequest: Sendable, Equatable {
    public var model: String
    public var maxTokens: Int?
    public var system: [String]
    public var messages: [InputMessage]
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice?
    public var stopSequences: [String]
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var stream: Bool
    public var metadataUserID: String?
    public var thinking: ThinkingSetting?
    public var effort: String?
    /// Claude Code's session (header `x-claude-code-session-id`, else `session_id` inside `metadata.user_id`):
    /// a stable key for upstream prompt caches.
    public var sessionID: String?

    public init(
        model: String, maxTokens: Int? = nil, system: [String] = [], messages: [InputMessage],
        tools: [ToolDefinition] = [], toolChoice: ToolChoice? = nil, stopSequences: [String] = [],
        temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, stream: Bool = false,
        metadataUserID: String? = nil, thinking: ThinkingSetting? = nil, effort: String? = nil
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
    }
}

/// One entry of `messages`. `system` (and `developer`) entries appear mid-conversation in current
/// Claude Code and must be accepted.
public struct InputMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case user, assistant, system
    }
    public var role: Role
    public var content: [ContentBlock]

    public init(role: Role, content: [ContentBlock]) {
        self.role = role
        self.content = content
    }
}

/// A tool the client offers. Server tools (`web_search_…`, `bash_…`) carry a versioned `type`.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var inputSchema: JSONValue?
    /// nil or "custom" for client-executed tools; the versioned type of an Anthropic server tool otherwise.
    public var type: String?

    public var isServerTool: Bool { type != nil && type != "custom" }

    public init(name: String, description: String? = nil, inputSchema: JSONValue? = nil, type: String? = nil) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.type = type
    }
}

/// Anthropic's `tool_choice`.
public struct ToolChoice: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case auto, any, tool, none
    }
    public var kind: Kind
    public var name: String?
    public var disableParallelToolUse: Bool

    public init(kind: Kind, name: String? = nil, disableParallelToolUse: Bool = false) {
        self.kind = kind
        self.name = name
        self.disableParallelToolUse = disableParallelToolUse
    }
}

/// Anthropic's `thinking` setting.
public enum ThinkingSetting: Sendable, Equatable {
    case enabled(budgetTokens: Int)
    case adaptive
    case disabled
}
