import Logging
import ProxyCore
import ProxyServer
import Synchronization
import Testing

@Suite("API keys never reach logs or error messages", .timeLimit(.minutes(1)))
struct SecretRedactionTests {
    static let upstreamKey = "sk-upstream-secret-0123456789"
    static let clientKey = "client-secret-9876543210"

    @Test("an upstream error quoting the key is redacted in the response and in every log line, even at trace level")
    func upstreamErrorQuotingTheKey() async throws {
        let lines = Mutex<[String]>([])
        let redactor = SecretRedactor(secrets: [Self.upstreamKey, Self.clientKey])
        var logger = Logger(label: "capture") { label in
            ConsoleLogHandler(label: label, level: .trace, redactor: redactor) { line in lines.withLock { $0.append(line) } }
        }
        logger.logLevel = .trace
        let environment = ["OPENAI_API_KEY": Self.upstreamKey, "ANTHROPIC_API_KEY": Self.clientKey]
        try await ProxyHarness.run(environment: environment, logger: logger) { harness in
            harness.upstream.script(
                .json(status: 401, body: ["error": ["message": .string("Incorrect API key provided: \(Self.upstreamKey)")]]))
            let request: JSONValue = ["model": "claude-3-haiku", "max_tokens": 200, "messages": [["role": "user", "content": "x"]]]
            let response = try await harness.send("/v1/messages", json: request, headers: [(name: "x-api-key", value: Self.clientKey)])
            let body = String(decoding: response.body, as: UTF8.self)
            #expect(response.status == 401)
            #expect(body.contains("Incorrect API key provided: [REDACTED]"))
            #expect(!body.contains(Self.upstreamKey))
            let wrongKey = try await harness.send(
                "/v1/messages", json: request, headers: [(name: "x-api-key", value: Self.clientKey + "x")])
            #expect(wrongKey.status == 401)
        }
        let logged = lines.withLock { $0 }
        #expect(logged.contains { $0.contains("[REDACTED]") }, "the upstream message was logged, redacted")
        #expect(!logged.contains { $0.contains(Self.upstreamKey) || $0.contains(Self.clientKey) })
    }

    @Test("the redactor replaces each secret, longest first, and ignores values too short to be keys")
    func redactor() {
        let redactor = SecretRedactor(secrets: ["sk-abcdefgh", "sk-abcdefgh-longer", "k"])
        #expect(redactor.redact("a sk-abcdefgh-longer b sk-abcdefgh c k") == "a [REDACTED] b [REDACTED] c k")
    }
}
