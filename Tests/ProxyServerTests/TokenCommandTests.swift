import Foundation
import HTTPTypes
import ProxyConfig
import ProxyCore
import Testing

/// A provider whose key is a short-lived token printed by a command (`token_command`): the command runs
/// when a request needs a token and none is fresh, once for every request waiting; an upstream 401 drops
/// the token; a failing command is a 401 for the client, without the command's output.
@Suite("Token commands", .timeLimit(.minutes(1)))
struct TokenCommandTests {
    static let request: JSONValue = ["model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [["role": "user", "content": "hi"]]]

    /// A directory with a script that prints `token-N`, N the number of times it has run.
    struct Script {
        let directory: String
        var path: String { directory + "/token.sh" }
        var runs: Int { ((try? String(contentsOfFile: directory + "/runs", encoding: .utf8)) ?? "").split(separator: "\n").count }

        init(body: String? = nil) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let counting = "echo run >> '\(directory)/runs'\nprintf 'token-%s\\n' \"$(wc -l < '\(directory)/runs' | tr -d ' ')\"\n"
            try ("#!/bin/sh\n" + (body ?? counting)).write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    static func config(_ url: String, command: String, lifetime: Double = 300) throws -> ProxySettings {
        let text = """
            providers:
              vendor: { type: openai, base_url: "\(url)/v1", token_command: "sh \(command)", token_lifetime: \(lifetime) }
            models: [{ match: "*", provider: vendor, model: gpt-4o }]
            """
        return try ConfigFile.load(text: text, file: "test.yaml", environment: [:])
    }

    static func tokens(_ upstream: MockUpstream) -> [String?] {
        upstream.received.map { $0.headers[.authorization] }
    }

    @Test("the command's output is the key, run once while it is fresh")
    func cachedToken() async throws {
        let script = try Script()
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.config($0[0], command: script.path) }) { harness in
            for _ in 0..<3 {
                let status = try await harness.send("/v1/messages", json: Self.request).status
                #expect(status == 200)
            }
            #expect(Self.tokens(harness.upstreams[0]) == Array(repeating: "Bearer token-1", count: 3))
            #expect(script.runs == 1)
        }
    }

    @Test("after its lifetime, the command runs again")
    func expiredToken() async throws {
        let script = try Script()
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.config($0[0], command: script.path, lifetime: 1) }) { harness in
            let first = try await harness.send("/v1/messages", json: Self.request).status
            try await Task.sleep(for: .milliseconds(1200))
            let later = try await harness.send("/v1/messages", json: Self.request).status
            #expect(first == 200 && later == 200)
            let tokens = Self.tokens(harness.upstreams[0])
            #expect(tokens.first == "Bearer token-1")
            #expect(tokens.last != "Bearer token-1")
        }
    }

    @Test("requests that arrive together wait for one run")
    func concurrentRequests() async throws {
        let script = try Script(body: "sleep 0.3\necho run >> \"$(dirname \"$0\")/runs\"\necho shared-token\n")
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.config($0[0], command: script.path) }) { harness in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 { group.addTask { try await harness.send("/v1/messages", json: Self.request).status } }
                for try await status in group { #expect(status == 200) }
            }
            #expect(script.runs == 1)
            #expect(Set(Self.tokens(harness.upstreams[0])) == ["Bearer shared-token"])
        }
    }

    @Test("a 401 from the upstream drops the token: the next request runs the command again")
    func refusedToken() async throws {
        let script = try Script()
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.config($0[0], command: script.path) }) { harness in
            harness.upstreams[0].script(.json(status: 401, body: ["error": ["message": "token expired"]]))
            let refused = try await harness.send("/v1/messages", json: Self.request)
            let next = try await harness.send("/v1/messages", json: Self.request)
            #expect(refused.status == 401)
            #expect(next.status == 200)
            #expect(Self.tokens(harness.upstreams[0]) == ["Bearer token-1", "Bearer token-2"])
        }
    }

    @Test("a failing command is the client's 401, naming the provider and the command's error, never its output")
    func failingCommand() async throws {
        let script = try Script(body: "echo secret-partial-token\necho 'gcloud: not logged in' >&2\nexit 3\n")
        try await ProxyHarness.run(upstreamCount: 1, settings: { try Self.config($0[0], command: script.path) }) { harness in
            let response = try await harness.sendJSON("/v1/messages", json: Self.request)
            #expect(response.status == 401)
            let message = response.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("provider 'vendor' token_command failed"))
            #expect(message.contains("gcloud: not logged in"))
            #expect(!message.contains("secret-partial-token"))
            #expect(harness.upstreams[0].received.isEmpty)
        }
    }

    @Test("two sources of a key (api_key and token_command) are a config error at the line")
    func exclusive() {
        let text = """
            providers:
              v: { type: openai, base_url: "http://h/v1", api_key: k, token_command: "echo t" }
            models: [{ match: "*", provider: v }]
            """
        #expect(throws: YAMLProblems.self) { try ConfigFile.load(text: text, file: "c.yaml", environment: [:]) }
        do {
            _ = try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
        } catch {
            #expect(
                error.errors.map(\.description) == [
                    "c.yaml:2:74: set one of api_key, api_keys, token_command, service_account_file, not api_key and token_command (at providers.v.token_command)"
                ])
        }
    }
}
