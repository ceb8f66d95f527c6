import Foundation
import ProxyCore
import Testing

@testable import ProxyConfig

/// `max_tokens` as sent upstream: config.yaml honours the client's value; the seed's environment
/// variables keep the seed's raise of small values.
@Suite("token limits by source")
struct TokenLimitsTests {
    static func configLimits(_ limits: String?) throws -> TokenLimits {
        let section = limits.map { "limits: \($0)\n" } ?? ""
        return try ConfigFile.load(text: section + "providers: {}\nmodels: []\n", file: "c.yaml", environment: [:]).tokens
    }

    @Test(
        "config.yaml without min_tokens: a positive max_tokens goes upstream as asked; missing or ≤ 0 gets the default",
        arguments: [(nil, 1024), (0, 1024), (-5, 1024), (1, 1), (10, 10), (99, 99), (4096, 4096), (32000, 16384)] as [(Int?, Int)]
    )
    func configHonoursTheClient(requested: Int?, expected: Int) throws {
        #expect(try Self.configLimits(nil).upstreamMaxTokens(requested: requested) == expected)
        #expect(try Self.configLimits("{ max_tokens: 16384 }").upstreamMaxTokens(requested: requested) == expected)
    }

    @Test("the smallest cap wins: the target's max_output_tokens, limits.max_tokens, or 16384 for a translated upstream only")
    func caps() throws {
        let unset = try Self.configLimits(nil)
        #expect(unset.upstreamMaxTokens(requested: 128000) == 16384)
        #expect(unset.upstreamMaxTokens(requested: 128000, anthropicNative: true) == 128000)
        #expect(unset.upstreamMaxTokens(requested: 128000, modelCap: 64000, anthropicNative: true) == 64000)
        #expect(unset.upstreamMaxTokens(requested: 128000, modelCap: 8000) == 8000)
        #expect(unset.upstreamMaxTokens(requested: 0, anthropicNative: true) == 0, "Anthropic's 0: warm the cache, generate nothing")
        #expect(unset.upstreamMaxTokens(requested: 0) == 1024)
        let explicit = try Self.configLimits("{ max_tokens: 50000 }")
        #expect(explicit.upstreamMaxTokens(requested: 128000, anthropicNative: true) == 50000)
        #expect(explicit.upstreamMaxTokens(requested: 128000, modelCap: 20000) == 20000)
        #expect(explicit.upstreamMaxTokens(requested: 32000) == 32000, "an explicit limit replaces the built-in 16384")
    }

    @Test("config.yaml with min_tokens keeps the raise below it")
    func configMinTokensRaises() throws {
        let limits = try Self.configLimits("{ min_tokens: 100, default_max_tokens: 2048 }")
        #expect(limits.upstreamMaxTokens(requested: 10) == 2048)
        #expect(limits.upstreamMaxTokens(requested: 100) == 100)
        #expect(limits.upstreamMaxTokens(requested: nil) == 2048)
    }

    @Test("the seed's environment variables keep the seed's raise: max_tokens 10 becomes DEFAULT_MAX_TOKENS")
    func environmentKeepsTheSeedRule() throws {
        let seed = try EnvironmentSettings.load(environment: [:]).tokens
        #expect(seed.upstreamMaxTokens(requested: 10) == 1024)
        #expect(seed.upstreamMaxTokens(requested: 100) == 100)
        #expect(seed.upstreamMaxTokens(requested: 0, anthropicNative: true) == 1024, "the seed's rule: 0 gets the default")
        #expect(!seed.generatesNothing(requested: 0))
        let tuned = try EnvironmentSettings.load(environment: ["MIN_TOKENS_LIMIT": "0", "DEFAULT_MAX_TOKENS": "512"]).tokens
        #expect(tuned.upstreamMaxTokens(requested: 10) == 10)
        #expect(tuned.upstreamMaxTokens(requested: nil) == 512)
    }

    @Test("the example config does not bring the raise back")
    func exampleConfigHonoursTheClient() throws {
        let path = #filePath.replacing("Tests/ProxyConfigTests/TokenLimitsTests.swift", with: "config.yaml.example")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let limits = try ConfigFile.load(text: text, file: "config.yaml.example", environment: [:]).tokens
        #expect(limits.upstreamMaxTokens(requested: 10) == 10)
    }
}
