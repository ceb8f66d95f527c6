/// A `POST /v1/messages` body, as much of it as an OpenAI-compatible upstream can honour.
///
/// Fields Anthropic's API has but OpenAI's has no counterpart for (`context_management`, `cache_control`,
/// `container`, betas…) are accepted and not represented: the upstream body is built from this type
/// alone, so nothing unknown can leak through.
package struct MessagesRequest: Sendable, Equatable {
    package var model: String
    package var maxTokens: Int?
    package var system: [String]
    package var messages: [InputMessage]
    package var tools: [ToolDefinition]
    package var toolChoice: ToolChoice?
    package var stopSequences: [String]
    package var temperature: Double?
    package var topP: Double?
    package var topK: Int?
    package var stream: Bool
    package var metadataUserID: String?
    package var thinking: ThinkingSetting?
    package var effort: String?
    /// Claude Code's session (header `x-claude-code-session-id`, else `session_id` inside `metadata.user_id`):
    /// a stable key for upstream prompt caches.
    package var sessionID: String?

    package init(
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
package struct InputMessage: Sendable, Equatable {
    package enum Role: String, Sendable {
        case user, assistant, system
    }
    package var role: Role
    package var content: [ContentBlock]

    package init(role: Role, content: [ContentBlock]) {
        self.role = role
        self.content = content
    }
}

/// A tool the client offers. Server tools (`web_search_…`, `bash_…`) carry a versioned `type`.
package struct ToolDefinition: Sendable, Equatable {
    package var name: String
    package var description: String?
    package var inputSchema: JSONValue?
    /// nil or "custom" for client-executed tools; the versioned type of an Anthropic server tool otherwise.
    package var type: String?

    package var isServerTool: Bool { type != nil && type != "custom" }

    package init(name: String, description: String? = nil, inputSchema: JSONValue? = nil, type: String? = nil) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.type = type
    }
}

/// Anthropic's `tool_choice`.
package struct ToolChoice: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case auto, any, tool, none
    }
    package var kind: Kind
    package var name: String?
    package var disableParallelToolUse: Bool

    package init(kind: Kind, name: String? = nil, disableParallelToolUse: Bool = false) {
        self.kind = kind
        self.name = name
        self.disableParallelToolUse = disableParallelToolUse
    }
}

/// Anthropic's `thinking` setting.
package enum ThinkingSetting: Sendable, Equatable {
    case enabled(budgetTokens: Int)
    case adaptive
    case disabled
}
