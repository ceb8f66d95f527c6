import Foundation
import ProxyCore
import Testing

@testable import ProxyConfig

@Suite("config.yaml → ProxySettings")
struct ConfigFileTests {
    @Test("the example config shipped with the repo loads with no variables set")
    func exampleConfigLoads() throws {
        let path = #filePath.replacing("Tests/ProxyConfigTests/ConfigFileTests.swift", with: "config.yaml.example")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let settings = try ConfigFile.load(text: text, file: "config.yaml.example", environment: [:])
        #expect(settings.targets(for: RequestTraits(model: "claude-sonnet-4-5")).first?.provider.type == "ollama")
        #expect(settings.server.apiKeys.isEmpty)
        #expect(settings.server.host == "127.0.0.1")
        #expect(settings.server.clientTimeouts == ClientTimeouts(header: .seconds(10), body: .seconds(60), idle: .seconds(120)))
        #expect(settings.server.maxConnections == ServerSettings.defaultMaxConnections)
        #expect(settings.server.metrics == .key)
    }

    @Test("the client connection keys set the deadlines and the limit; a value out of range is a problem at its line")
    func clientConnectionKeys() throws {
        let text = """
            server: { client_header_timeout: 2.5, client_body_timeout: 30, client_idle_timeout: 5, max_connections: 64, metrics: open }
            providers: {}
            models: []
            """
        let server = try ConfigFile.load(text: text, file: "c.yaml", environment: [:]).server
        #expect(server.clientTimeouts == ClientTimeouts(header: .milliseconds(2500), body: .seconds(30), idle: .seconds(5)))
        #expect(server.maxConnections == 64)
        #expect(server.metrics == .open)
        #expect(throws: (any Error).self) {
            try ConfigFile.load(text: "server:\n  max_connections: 0\nproviders: {}\nmodels: []\n", file: "c.yaml", environment: [:])
        }
        do {
            _ = try ConfigFile.load(
                text: "server:\n  client_body_timeout: 0\n  metrics: maybe\nproviders: {}\nmodels: []\n", file: "c.yaml", environment: [:])
            Issue.record("loaded")
        } catch {
            #expect(
                "\(error)".contains(
                    "c.yaml:2:24: client_body_timeout must be at least 0.01 seconds, not 0.0 (at server.client_body_timeout)"))
            #expect("\(error)".contains("c.yaml:3:12: metrics must be one of key, open, off, not 'maybe' (at server.metrics)"))
        }
    }

    @Test(
        "mistakes name file, line, column, key path and what was expected",
        arguments: [
            ("server:\n  port: abc\nproviders: {}\nmodels: []\n", "c.yaml:2:9: expected an integer, found 'abc' (at server.port)"),
            (
                "providers:\n  x: { type: opanai, base_url: \"http://a\" }\nmodels: []\n",
                "c.yaml:2:14: unknown provider type 'opanai'; expected one of: anthropic, azure, azure-responses, gemini, ollama, openai, openai-responses, vertex (at providers.x.type)"
            ),
            (
                "providers:\n  x:\n    type: openai\n    base_url: \"http://a\"\n    api_kye: k\nmodels: []\n",
                "c.yaml:5:5: unknown key 'api_kye'; did you mean 'api_key'? (at providers.x.api_kye)"
            ),
            (
                "providers:\n  x:\n    type: openai\n    base_url: \"http://a\"\nmodels:\n  - match: \"*\"\n    provider: y\n",
                "c.yaml:7:15: route names provider 'y', which is not defined under providers (defined: x) (at models[0].provider)"
            ),
            (
                "providers:\n  x:\n    type: openai\n    base_url: ftp://a\nmodels: []\n",
                "c.yaml:4:15: base_url must start with http:// or https://, not 'ftp://a' (at providers.x.base_url)"
            ),
            (
                "providers:\n  x:\n    type: openai\nmodels: []\n",
                "c.yaml:2:3: missing required key 'base_url' (or a 'profile' that sets it) (at providers.x)"
            ),
            (
                "server:\n  log_level: loud\nproviders: {}\nmodels: []\n",
                "c.yaml:2:14: log_level must be one of trace, debug, info, notice, warning, error, critical, not 'loud' (at server.log_level)"
            ),
            (
                "server:\n  ping_interval: 0\nproviders: {}\nmodels: []\n",
                "c.yaml:2:18: ping_interval must be at least 0.01 seconds, not 0.0 (at server.ping_interval)"
            ),
            (
                "providers:\n  x:\n    type: openai\n    base_url: \"http://a\"\n    api_key: k\n    api_keys: [k1, k2]\nmodels: []\n",
                "c.yaml:5:14: set either api_key (one key) or api_keys (a pool), not both (at providers.x.api_key)"
            ),
            (
                "server:\n  threads: 0\nproviders: {}\nmodels: []\n",
                "c.yaml:2:12: threads must be at least 1, not 0 (at server.threads)"
            ),
            (
                "server:\n  threads: 100000\nproviders: {}\nmodels: []\n",
                "c.yaml:2:12: threads must be at most 1024, not 100000 (at server.threads)"
            ),
            (
                "server:\n  port: 99999\nproviders: {}\nmodels: []\n",
                "c.yaml:2:9: port must be at most 65535, not 99999 (at server.port)"
            ),
            (
                "server:\n  port: -5\nproviders: {}\nmodels: []\n",
                "c.yaml:2:9: port must be at least 0, not -5 (at server.port)"
            ),
            (
                "server:\n  request_timeout: -1\nproviders: {}\nmodels: []\n",
                "c.yaml:2:20: request_timeout must be at least 0.01 seconds, not -1.0 (at server.request_timeout)"
            ),
            (
                "server:\n  connect_timeout: .inf\nproviders: {}\nmodels: []\n",
                "c.yaml:2:20: connect_timeout must be at most 604800.0 seconds, not inf (at server.connect_timeout)"
            ),
            (
                "server:\n  shutdown_grace_period: .nan\nproviders: {}\nmodels: []\n",
                "c.yaml:2:26: shutdown_grace_period must be at least 0.01 seconds, not nan (at server.shutdown_grace_period)"
            ),
            (
                "server:\n  max_body_bytes: 0\nproviders: {}\nmodels: []\n",
                "c.yaml:2:19: max_body_bytes must be at least 1, not 0 (at server.max_body_bytes)"
            ),
            (
                "limits: { max_tokens: 0 }\nproviders: {}\nmodels: []\n",
                "c.yaml:1:23: max_tokens must be at least 1, not 0 (at limits.max_tokens)"
            ),
            (
                "limits: { min_tokens: -1 }\nproviders: {}\nmodels: []\n",
                "c.yaml:1:23: min_tokens must be at least 0, not -1 (at limits.min_tokens)"
            ),
            (
                "limits: { default_max_tokens: 0 }\nproviders: {}\nmodels: []\n",
                "c.yaml:1:31: default_max_tokens must be at least 1, not 0 (at limits.default_max_tokens)"
            ),
            (
                "store: { url: \"sqlite:x.db\", ledger_wait: 1e9 }\nproviders: {}\nmodels: []\n",
                "c.yaml:1:43: ledger_wait must be at most 604800.0 seconds, not 1000000000.0 (at store.ledger_wait)"
            ),
            (
                "providers:\n  x: { type: openai, base_url: \"http://a\", api_keys: [] }\nmodels: []\n",
                "c.yaml:2:3: api_keys must list at least one key (at providers.x.api_keys)"
            ),
        ])
    func errors(text: String, expected: String) {
        #expect(throws: YAMLProblems.self) { try ConfigFile.load(text: text, file: "c.yaml", environment: [:]) }
        do {
            _ = try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
        } catch {
            #expect(error.description == expected)
            #expect(error.count == 1, "one mistake, one problem: \(error)")
        }
    }

    @Test("a number from an environment variable is bounded as if written in the file, reported at the reference")
    func boundedFromEnvironment() throws {
        let text = "server:\n  port: ${PORT}\n  request_timeout: ${TIMEOUT:-90}\nproviders: {}\nmodels: []\n"
        let problems = try #require(yamlProblems { try ConfigFile.load(text: text, file: "c.yaml", environment: ["PORT": "70000"]) })
        #expect(problems.errors.map(\.description) == ["c.yaml:2:9: port must be at most 65535, not 70000 (at server.port)"])
        let settings = try ConfigFile.load(text: text, file: "c.yaml", environment: ["PORT": "8123", "TIMEOUT": "5"])
        #expect(settings.server.port == 8123)
        #expect(settings.server.upstreamTimeout == .seconds(5))
    }

    /// A file with a mistake in nearly every section.
    static let manyMistakes = """
        server:
          port: abc
          log_level: loud
          ping_interval: 0
        limits: { max_tokens: lots }
        providers:
          good: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: k }
          typo:
            type: openai
            bse_url: http://a
          wrong:
            type: opanai
            base_url: ftp://a
            auth: basic
            reasoning_effort: sometimes
          odd: { type: ollama, base_url: "http://a", headers: [x] }
        models:
          - { match: "*haiku*", provider: nowhere }
          - { mtch: "*sonnet*", provider: good }
          - match: "*"
            provider: good
            fallbacks: [{ provider: typo }, { provider: gone }]
            when: { thinking: maybe }
        extra: 1
        """

    @Test("every problem of the file is listed, in order, each with its position; none follows from another")
    func everyProblemListed() throws {
        let problems = try #require(yamlProblems { try ConfigFile.load(text: Self.manyMistakes, file: "c.yaml", environment: [:]) })
        #expect(
            problems.errors.map(\.description) == [
                "c.yaml:2:9: expected an integer, found 'abc' (at server.port)",
                "c.yaml:3:14: log_level must be one of trace, debug, info, notice, warning, error, critical, not 'loud' (at server.log_level)",
                "c.yaml:4:18: ping_interval must be at least 0.01 seconds, not 0.0 (at server.ping_interval)",
                "c.yaml:5:23: expected an integer, found 'lots' (at limits.max_tokens)",
                "c.yaml:10:5: unknown key 'bse_url'; did you mean 'base_url'? (at providers.typo.bse_url)",
                "c.yaml:12:11: unknown provider type 'opanai'; expected one of: anthropic, azure, azure-responses, gemini, ollama, openai, openai-responses, vertex (at providers.wrong.type)",
                "c.yaml:13:15: base_url must start with http:// or https://, not 'ftp://a' (at providers.wrong.base_url)",
                "c.yaml:14:11: expected one of: api-key, bearer; found 'basic' (at providers.wrong.auth)",
                "c.yaml:15:23: expected one of: auto, always, never; found 'sometimes' (at providers.wrong.reasoning_effort)",
                "c.yaml:16:55: expected a mapping, found a sequence (at providers.odd.headers)",
                "c.yaml:18:35: route names provider 'nowhere', which is not defined under providers (defined: good, typo, wrong, odd) (at models[0].provider)",
                "c.yaml:19:5: missing required key 'match' (found 'mtch' on line 19; misspelt?) (at models[1])",
                "c.yaml:22:49: route names provider 'gone', which is not defined under providers (defined: good, typo, wrong, odd) (at models[2].fallbacks[1].provider)",
                "c.yaml:23:23: expected a boolean (true or false), found 'maybe' (at models[2].when.thinking)",
                "c.yaml:24:1: unknown key 'extra'; expected one of: server, limits, providers, models, store (at extra)",
            ], "\(problems)")
        #expect(problems.description.hasPrefix("15 problems:\nc.yaml:2:9: expected an integer"))
    }

    /// A new folder of provider profiles, `NAME.yaml` each; the caller removes it.
    static func profileDirectory(_ profiles: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in profiles {
            try text.write(to: directory.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test("a problem in a profile is listed with the problems of the config file, at its own file and line")
    func profileProblemsListed() throws {
        let directory = try Self.profileDirectory(["broken": "type: openai\nbase_url: http://a\napi_kye: k\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = """
            server: { port: abc }
            providers:
              p: { profile: broken }
              q: { profile: missing }
            models: [{ match: "*", provider: p }]
            """
        let profiles = ProfileLibrary(directories: [directory.path])
        let problems = try #require(yamlProblems { try ConfigFile.load(text: text, file: "c.yaml", environment: [:], profiles: profiles) })
        #expect(
            problems.errors.map(\.description) == [
                "c.yaml:1:17: expected an integer, found 'abc' (at server.port)",
                "c.yaml:4:17: no provider profile 'missing' (looked for missing.yaml in \(directory.path)) (at providers.q.profile)",
                "\(directory.path)/broken.yaml:3:1: unknown key 'api_kye'; did you mean 'api_key'? (at api_kye)",
            ], "\(problems)")
    }

    @Test("api_keys is a pool: its keys in order, duplicates and keys whose variable is unset left out, over a profile's api_key")
    func keyPool() throws {
        let directory = try Self.profileDirectory(["hosted": "type: openai\nbase_url: http://a\napi_key: ${PROFILE_KEY}\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = """
            providers:
              pooled: { profile: hosted, api_keys: ["${KEY_A}", "${KEY_B}", "${KEY_A}", "${KEY_C}"] }
              single: { profile: hosted }
              unset: { profile: hosted, api_keys: ["${KEY_C}"] }
            models: [{ match: "*", provider: pooled }]
            """
        let settings = try ConfigFile.load(
            text: text, file: "c.yaml", environment: ["KEY_A": "sk-a", "KEY_B": "sk-b", "PROFILE_KEY": "sk-p"],
            profiles: ProfileLibrary(directories: [directory.path]))
        let pooled = try #require(settings.providers.first { $0.name == "pooled" })
        #expect(pooled.keyPool == ["sk-a", "sk-b"])
        #expect(pooled.apiKey == "sk-a")
        #expect(pooled.apiKeySource == "KEY_C (used by api_keys in c.yaml)")
        let single = try #require(settings.providers.first { $0.name == "single" })
        #expect(single.keyPool == ["sk-p"])
        let unset = try #require(settings.providers.first { $0.name == "unset" })
        #expect(unset.keyPool.isEmpty)
        #expect(unset.apiKey == nil)
        #expect(throws: AnthropicError.self) { try unset.apiKey(requiredByDefault: true) }
    }

    @Test("max_connections defaults to half the open-file limit, less a margin")
    func maxConnectionsFollowsTheFileLimit() throws {
        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(ServerSettings.defaultMaxConnections == max(64, (Int(limit.rlim_cur) - 64) / 2))
        let settings = try ConfigFile.load(text: "providers: {}\nmodels: []\n", file: "c.yaml", environment: [:])
        #expect(settings.server.maxConnections == ServerSettings.defaultMaxConnections)
    }

    @Test("when: request_class takes one class or a list, agent_type one glob or a list; an unknown class is a problem at its line")
    func requestClassConditions() throws {
        let text = """
            providers: { a: { type: openai, base_url: "http://a" } }
            models:
              - { match: "*", provider: a, model: small, when: { request_class: [Compaction, summary-extraction] } }
              - { match: "*", provider: a, model: explorer, when: { request_class: blocking-subagent, agent_type: "Explore*" } }
              - { match: "*", provider: a, model: planner, when: { agent_type: [Plan, custom] } }
            """
        let routes = try ConfigFile.load(text: text, file: "c.yaml", environment: [:]).routes
        #expect(routes.map(\.conditions.requestClasses) == [["compaction", "summary-extraction"], ["blocking-subagent"], nil])
        #expect(routes.map(\.conditions.agentTypes) == [nil, ["explore*"], ["plan", "custom"]], "lowercased: they match any case")
        let wrong = """
            providers: { a: { type: openai, base_url: "http://a" } }
            models:
              - match: "*"
                provider: a
                when: { request_class: [main, compact] }
            """
        let problems = try #require(yamlProblems { try ConfigFile.load(text: wrong, file: "c.yaml", environment: [:]) })
        #expect(
            problems.errors.map(\.description) == [
                "c.yaml:5:35: request_class 'compact' is not one Claude Code sends; use one of "
                    + ClaudeCodeHints.requestClasses.joined(separator: ", ") + " (at models[0].when.request_class)"
            ])
    }
}
