import Testing

@testable import ProxyCore

@Suite("Scenario routing: thinking, long context, images, web search")
struct RouteConditionsTests {
    static func request(
        thinking: ThinkingSetting? = nil, content: [ContentBlock] = [.text("hi")], tools: [ToolDefinition] = []
    ) -> MessagesRequest {
        MessagesRequest(
            model: "claude-sonnet-4-5", messages: [InputMessage(role: .user, content: content)], tools: tools, thinking: thinking)
    }

    @Test(
        "traits read from the request",
        arguments: [
            (request(thinking: .adaptive), RequestTraits(model: "claude-sonnet-4-5", thinking: true)),
            (request(thinking: .enabled(budgetTokens: 8000)), RequestTraits(model: "claude-sonnet-4-5", thinking: true)),
            (request(thinking: .disabled), RequestTraits(model: "claude-sonnet-4-5")),
            (
                request(content: [
                    .toolResult(toolUseID: "t", content: [.image(.base64(mediaType: "image/png", data: "AA=="))], isError: false)
                ]),
                RequestTraits(model: "claude-sonnet-4-5", hasImages: true)
            ),
            (
                request(tools: [ToolDefinition(name: "web_search", type: "web_search_20250305")]),
                RequestTraits(model: "claude-sonnet-4-5", hasWebSearch: true)
            ),
        ])
    func traits(request: MessagesRequest, expected: RequestTraits) {
        var traits = RequestTraits(request: request)
        traits.estimatedPromptTokens = 0
        #expect(traits == expected)
    }

    @Test("a long prompt is estimated as long")
    func longPrompt() {
        let long = Self.request(content: [.text(String(repeating: "word ", count: 40000))])
        #expect(RequestTraits(request: long).estimatedPromptTokens > 40000)
    }

    static let settings = ProxySettings(
        providers: [
            ProviderSettings(name: "a", type: "openai", baseURL: "http://a"),
            ProviderSettings(name: "b", type: "openai", baseURL: "http://b"),
        ],
        routes: [
            ModelRoute(pattern: "*", provider: "b", model: "vision", conditions: RouteConditions(images: true)),
            ModelRoute(pattern: "*", provider: "b", model: "long", conditions: RouteConditions(minPromptTokens: 60000)),
            ModelRoute(pattern: "*sonnet*", provider: "b", model: "thinker", conditions: RouteConditions(thinking: true)),
            ModelRoute(pattern: "*", provider: "b", model: "searcher", conditions: RouteConditions(webSearch: true)),
            ModelRoute(pattern: "*", provider: "a", model: "default"),
        ]
    )

    @Test(
        "the first route whose pattern and conditions all hold wins",
        arguments: [
            (RequestTraits(model: "claude-sonnet-4-5"), "default"),
            (RequestTraits(model: "claude-sonnet-4-5", thinking: true), "thinker"),
            (RequestTraits(model: "claude-haiku-4-5", thinking: true), "default"),
            (RequestTraits(model: "claude-sonnet-4-5", thinking: true, estimatedPromptTokens: 70000), "long"),
            (RequestTraits(model: "claude-haiku-4-5", estimatedPromptTokens: 70000, hasImages: true), "vision"),
            (RequestTraits(model: "claude-haiku-4-5", hasWebSearch: true), "searcher"),
        ])
    func firstMatchWins(traits: RequestTraits, model: String) {
        #expect(Self.settings.targets(for: traits).first?.upstreamModel == model)
    }

    static func system(_ text: String) -> MessagesRequest {
        var request = request()
        request.system = [text]
        return request
    }

    @Test(
        "a sub-agent by its request class when the hints came, by the system prompt's marker otherwise",
        arguments: [
            (ClaudeCodeHints(), "x-anthropic-billing-header: cc_is_subagent=true;", true),
            (ClaudeCodeHints(), "You are Claude Code.", false),
            (ClaudeCodeHints(requestClass: "blocking-subagent"), "You are Claude Code.", true),
            (ClaudeCodeHints(requestClass: "background-task"), "You are Claude Code.", true),
            (ClaudeCodeHints(requestClass: "main"), "x-anthropic-billing-header: cc_is_subagent=true;", false),
            (ClaudeCodeHints(agentType: "Explore"), "You are Claude Code.", true),
        ])
    func subagentByHints(hints: ClaudeCodeHints, system: String, subagent: Bool) {
        let traits = RequestTraits(request: Self.system(system), hints: hints)
        #expect(traits.isSubagent == subagent)
        #expect(traits.hints == hints)
    }

    @Test("Claude Code's headers: the class lowercased, empty values absent, long ones cut, the metrics label bounded")
    func hintHeaders() {
        let hints = ClaudeCodeHints(
            requestClassHeader: "Compaction", agentTypeHeader: String(repeating: "x", count: 500), sessionHeader: "3117e68e")
        #expect(hints.requestClass == "compaction")
        #expect(hints.agentType?.count == 200)
        #expect(hints.sessionID == "3117e68e")
        #expect(hints.requestClassLabel == "compaction")
        let empty = ClaudeCodeHints(requestClassHeader: "", agentTypeHeader: nil, sessionHeader: "")
        #expect(empty == ClaudeCodeHints())
        #expect(empty.requestClassLabel == "none")
        #expect(ClaudeCodeHints(requestClass: "made-up-\(UInt64.random(in: 0...UInt64.max))").requestClassLabel == "other")
    }

    static let classSettings = ProxySettings(
        providers: [ProviderSettings(name: "a", type: "openai", baseURL: "http://a")],
        routes: [
            ModelRoute(
                pattern: "*", provider: "a", model: "summarizer",
                conditions: RouteConditions(requestClasses: ["compaction", "summary-extraction"])),
            ModelRoute(pattern: "*", provider: "a", model: "explorer", conditions: RouteConditions(agentTypes: ["explore*", "plan"])),
            ModelRoute(pattern: "*", provider: "a", model: "helper", conditions: RouteConditions(subagent: true)),
            ModelRoute(pattern: "*", provider: "a", model: "default"),
        ]
    )

    @Test(
        "routes on Claude Code's request class and agent type",
        arguments: [
            (ClaudeCodeHints(), "default"),
            (ClaudeCodeHints(requestClass: "main"), "default"),
            (ClaudeCodeHints(requestClass: "compaction"), "summarizer"),
            (ClaudeCodeHints(requestClass: "Summary-Extraction"), "summarizer"),
            (ClaudeCodeHints(requestClass: "blocking-subagent", agentType: "Explore"), "explorer"),
            (ClaudeCodeHints(requestClass: "blocking-subagent", agentType: "Plan"), "explorer"),
            (ClaudeCodeHints(requestClass: "blocking-subagent", agentType: "general-purpose"), "helper"),
            (ClaudeCodeHints(requestClass: "followup-generation"), "default"),
        ])
    func routesOnHints(hints: ClaudeCodeHints, model: String) {
        let traits = RequestTraits(request: Self.request(), hints: hints)
        #expect(Self.classSettings.targets(for: traits).first?.upstreamModel == model)
    }
}
