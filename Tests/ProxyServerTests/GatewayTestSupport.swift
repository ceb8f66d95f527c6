import ProxyConfig
import ProxyCore
import ProxyStore
import Testing

@testable import ProxyServer

/// Settings and requests the gateway tests share: one OpenAI provider on the mock, priced at $1 per million
/// input tokens and $10 per million output tokens, so the mock's default answer (12 in, 5 out) costs
/// $0.000062, and `completion(tokens:)`'s 1000 in and 100 out costs exactly $0.002.
enum GatewayFixture {
    static let staticKey = "sk-static-client-key-1"
    static let adminKey = "admin-key-for-tests-1"

    static func settings(_ urls: [String], server: String = "", store: String? = nil) throws -> ProxySettings {
        let text = """
            server: { api_keys: ["\(staticKey)"], admin_keys: ["\(adminKey)"], metrics: key\(server.isEmpty ? "" : ", " + server) }
            \(store.map { "store: \($0)" } ?? "")
            providers:
              mock: { type: openai, base_url: "\(urls[0])/v1", api_key: sk-upstream }
            models:
              - { match: "*", provider: mock, model: gpt-4o, input_cost_per_mtok: 1, output_cost_per_mtok: 10 }
            """
        return try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
    }

    static func request(model: String = "claude-sonnet-4-5", stream: Bool = false) -> JSONValue {
        ["model": .string(model), "max_tokens": 100, "stream": .bool(stream), "messages": [["role": "user", "content": "hi"]]]
    }

    /// An answer that costs $0.002 at the fixture's prices.
    static let pricedAnswer = MockUpstream.completion(text: "ok", usage: ["prompt_tokens": 1000, "completion_tokens": 100])

    static func key(_ secret: String) -> [(name: String, value: String)] {
        [(name: "x-api-key", value: secret)]
    }

    static let admin = [(name: "x-api-key", value: adminKey)]
}

extension ProxyHarness {
    /// Makes a managed key in the proxy's store and returns its secret once the proxy knows it.
    func createKey(_ name: String, limits: KeyLimits = KeyLimits(), expiresAt: Int64? = nil) async throws -> String {
        let gateway = try #require(gateway)
        let (_, secret) = try await gateway.store.createKey(.init(name: name, limits: limits, expiresAt: expiresAt))
        try await waitUntil("the proxy knows key '\(name)'") {
            if case .found = gateway.directory.lookup(hash: KeySecret.hash(secret)) { return true }
            return false
        }
        return secret
    }

    /// The ledger's rows, as the store has them.
    func ledger(_ columns: String = "request_id, key_name, status, input_tokens, output_tokens, cost_usd") async throws -> [SQLRow] {
        try await #require(gateway).store.database.query("SELECT \(columns) FROM ccp_usage ORDER BY at_ms, request_id", [])
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; fails the test with `what` when it never holds.
func waitUntil(_ what: String, seconds: Double = 5, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return }
    throw SSEEvents.Malformed(description: "timed out waiting until \(what)")
}
