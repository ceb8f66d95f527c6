/// What routing rules can ask of a request beyond its model name (claude-code-router's scenarios):
/// thinking requested, prompt size (long context), images anywhere, a web-search tool offered, a Claude
/// Code sub-agent asking, and the request class and agent type Claude Code's hint headers give.
package struct RequestTraits: Sendable, Equatable {
    /// The client's model name without Claude Code's `[1m]` suffix (a hint to itself about the context window).
    package var model: String
    package var thinking: Bool
    package var estimatedPromptTokens: Int
    package var hasImages: Bool
    package var hasWebSearch: Bool
    /// A Claude Code sub-agent (Task tool) request: by its request class when the hint headers came,
    /// otherwise by `cc_is_subagent=true` in its first system block.
    package var isSubagent: Bool
    /// Claude Code's hint headers.
    package var hints: ClaudeCodeHints

    package init(
        model: String, thinking: Bool = false, estimatedPromptTokens: Int = 0, hasImages: Bool = false, hasWebSearch: Bool = false,
        isSubagent: Bool = false, hints: ClaudeCodeHints = ClaudeCodeHints()
    ) {
        self.model = Self.routedName(of: model)
        self.thinking = thinking
        self.estimatedPromptTokens = estimatedPromptTokens
        self.hasImages = hasImages
        self.hasWebSearch = hasWebSearch
        self.isSubagent = isSubagent
        self.hints = hints
    }

    /// A model name as routes see it: Claude Code's `[1m]` suffix (any case) dropped.
    package static func routedName(of model: String) -> String {
        model.lowercased().hasSuffix("[1m]") ? String(model.dropLast(4)) : model
    }

    package init(request: MessagesRequest, hints: ClaudeCodeHints = ClaudeCodeHints()) {
        let thinking: Bool
        switch request.thinking {
        case .enabled(let budget): thinking = budget > 0
        case .adaptive: thinking = true
        case .disabled, .none: thinking = false
        }
        self.init(
            model: request.model,
            thinking: thinking,
            estimatedPromptTokens: TokenEstimator.estimateInput(of: request),
            // Images inside tool results count too: a screenshot makes the request a vision request.
            hasImages: request.messages.contains { $0.content.contains(where: Self.containsImage) },
            hasWebSearch: request.tools.contains { $0.type?.hasPrefix("web_search") == true },
            isSubagent: hints.isSubagent ?? (request.system.first?.contains("cc_is_subagent=true") == true),
            hints: hints
        )
    }

    private static func containsImage(_ block: ContentBlock) -> Bool {
        switch block {
        case .image: return true
        case .toolResult(_, let content, _): return content.contains(where: containsImage)
        default: return false
        }
    }
}

/// A route's `when:` conditions; every condition that is set must hold.
package struct RouteConditions: Sendable, Equatable {
    package var thinking: Bool?
    /// The route applies when the estimated prompt has at least this many tokens.
    package var minPromptTokens: Int?
    package var images: Bool?
    package var webSearch: Bool?
    /// Whether the request comes from a Claude Code sub-agent.
    package var subagent: Bool?
    /// The route applies to requests of these classes (`x-claude-code-request-class`, lowercased).
    package var requestClasses: [String]?
    /// The route applies to requests whose `x-claude-code-agent-type` matches one of these globs, lowercased
    /// (they match case-insensitively, as model patterns).
    package var agentTypes: [String]?

    package init(
        thinking: Bool? = nil, minPromptTokens: Int? = nil, images: Bool? = nil, webSearch: Bool? = nil, subagent: Bool? = nil,
        requestClasses: [String]? = nil, agentTypes: [String]? = nil
    ) {
        self.thinking = thinking
        self.minPromptTokens = minPromptTokens
        self.images = images
        self.webSearch = webSearch
        self.subagent = subagent
        self.requestClasses = requestClasses
        self.agentTypes = agentTypes
    }

    package func hold(for traits: RequestTraits) -> Bool {
        if let thinking, thinking != traits.thinking { return false }
        if let minPromptTokens, traits.estimatedPromptTokens < minPromptTokens { return false }
        if let images, images != traits.hasImages { return false }
        if let webSearch, webSearch != traits.hasWebSearch { return false }
        if let subagent, subagent != traits.isSubagent { return false }
        if let requestClasses, !requestClasses.contains(where: { $0 == traits.hints.requestClass }) { return false }
        if let agentTypes {
            guard let agentType = traits.hints.agentType?.lowercased(),
                agentTypes.contains(where: { Glob.matches($0, agentType) })
            else { return false }
        }
        return true
    }
}
