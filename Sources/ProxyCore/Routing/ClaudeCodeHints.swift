/// What Claude Code's headers say of a request: its session (`x-claude-code-session-id`), and, sent to a
/// gateway when `CLAUDE_CODE_GATEWAY_HINT_HEADERS=1` (which `claude-code-proxy code` sets), the kind of
/// request (`x-claude-code-request-class`) and the sub-agent asking (`x-claude-code-agent-type`). Routes
/// may match the last two (`when: { request_class: …, agent_type: … }`); the access log and the ledger
/// record them.
package struct ClaudeCodeHints: Sendable, Equatable {
    /// `main`, `compaction`, `blocking-subagent`…, lowercased; nil when the header is absent.
    package var requestClass: String?
    /// `Explore`, `Plan`, `general-purpose`, `custom`…, as sent; nil when the header is absent.
    package var agentType: String?
    /// The session's id; nil when the header is absent.
    package var sessionID: String?

    package init(requestClass: String? = nil, agentType: String? = nil, sessionID: String? = nil) {
        self.requestClass = requestClass.map { $0.lowercased() }
        self.agentType = agentType
        self.sessionID = sessionID
    }

    /// The hints in these header values (at most 200 characters each are kept).
    package init(requestClassHeader: String?, agentTypeHeader: String?, sessionHeader: String?) {
        func kept(_ value: String?) -> String? {
            guard let value, !value.isEmpty else { return nil }
            return String(value.prefix(200))
        }
        self.init(requestClass: kept(requestClassHeader), agentType: kept(agentTypeHeader), sessionID: kept(sessionHeader))
    }

    /// The classes Claude Code 2.1.337 sends, and those its gateway documentation names.
    package static let requestClasses = [
        "main", "blocking-subagent", "background-task", "summary-extraction", "followup-generation", "compaction", "workflow",
        "subagent", "auxiliary",
    ]

    /// The classes of a sub-agent's requests (a Task call's agent, in the foreground or the background).
    static let subagentClasses: Set = ["blocking-subagent", "background-task", "subagent", "workflow"]

    /// Whether the hints say a sub-agent asks; nil when they say nothing either way.
    var isSubagent: Bool? {
        if let requestClass { return Self.subagentClasses.contains(requestClass) }
        return agentType == nil ? nil : true
    }

    /// The class as a metrics label: one of `requestClasses`, `other` for any other value, `none` without one.
    package var requestClassLabel: String {
        guard let requestClass else { return "none" }
        return Self.requestClasses.contains(requestClass) ? requestClass : "other"
    }
}
