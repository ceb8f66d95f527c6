import Testing

@testable import ProxyCore

@Suite("Model routing")
struct RoutingTests {
    static let provider = ProviderSettings(name: "main", type: "openai", baseURL: "https://api.openai.com/v1")
    static let other = ProviderSettings(name: "local", type: "ollama", baseURL: "http://localhost:11434")

    static let seedRoutes = ProxySettings(
        providers: [provider],
        routes: [
            ModelRoute(pattern: "*haiku*", provider: "main", model: "small"),
            ModelRoute(pattern: "*sonnet*", provider: "main", model: "middle"),
            ModelRoute(pattern: "*opus*", provider: "main", model: "big"),
            ModelRoute(pattern: "*", provider: "main"),
        ]
    )

    @Test(
        "client models route by the first matching pattern, case-insensitively, dated and [1m] variants included",
        arguments: [
            ("claude-3-5-haiku-20241022", "small"),
            ("claude-haiku-4-5-20251001", "small"),
            ("claude-haiku-4-5", "small"),
            ("claude-sonnet-4-5", "middle"),
            ("claude-sonnet-4-5[1m]", "middle"),
            ("claude-sonnet-4-5-20250929", "middle"),
            ("Claude-Opus-4-6", "big"),
            ("claude-opus-4-6[1m]", "big"),
            ("CLAUDE-OPUS-4-1-20250805", "big"),
            ("my-local-model", "my-local-model"),
        ]
    )
    func seedRouting(client: String, upstream: String) {
        #expect(Self.seedRoutes.target(forClientModel: client)?.upstreamModel == upstream)
    }

    @Test("the first matching route wins over later, more specific ones")
    func firstMatchWins() {
        let settings = ProxySettings(
            providers: [Self.provider, Self.other],
            routes: [
                ModelRoute(pattern: "*opus*", provider: "main", model: "big"),
                ModelRoute(pattern: "claude-opus-4-6", provider: "local", model: "qwen"),
            ]
        )
        let target = settings.target(forClientModel: "claude-opus-4-6")
        #expect(target?.provider.name == "main" && target?.upstreamModel == "big")
    }

    @Test("no matching route → nil")
    func noMatch() {
        let settings = ProxySettings(providers: [Self.provider], routes: [ModelRoute(pattern: "*haiku*", provider: "main")])
        #expect(settings.target(forClientModel: "claude-sonnet-4-5") == nil)
    }

    @Test("a route to an unknown provider → nil")
    func unknownProvider() {
        let settings = ProxySettings(providers: [Self.provider], routes: [ModelRoute(pattern: "*", provider: "nowhere")])
        #expect(settings.target(forClientModel: "x") == nil)
    }

    @Test(
        "glob matching with *",
        arguments: [
            ("*", "", true), ("*", "anything", true), ("", "", true), ("", "a", false),
            ("abc", "abc", true), ("abc", "abcd", false), ("abc", "ab", false),
            ("a*c", "abc", true), ("a*c", "ac", true), ("a*c", "abcd", false),
            ("*sonnet*", "sonnet", true), ("*sonnet*", "claude-sonnet-4", true), ("*sonnet*", "sonet", false),
            ("claude-*-4-5*", "claude-haiku-4-5-20251001", true), ("a*b*c", "aXbYc", true), ("a*b*c", "aXcYb", false),
            ("**", "x", true), ("*a", "banana", true), ("*a", "bananas", false),
        ]
    )
    func glob(pattern: String, text: String, expected: Bool) {
        #expect(Glob.matches(pattern, text) == expected)
    }
}
