import ProxyCore
import Testing

@testable import ProxyConfig

@Suite("config.yaml: store, admin keys and prices")
struct StoreSectionTests {
    static func load(_ text: String, environment: [String: String] = [:]) throws -> ProxySettings {
        try ConfigFile.load(text: text, file: "c.yaml", environment: environment)
    }

    static func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigFile.load(text: text, file: "c.yaml", environment: environment)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test("a PostgreSQL store with its settings; its password is a secret to redact; the proxy may listen beyond loopback")
    func postgres() throws {
        let settings = try Self.load(
            """
            server: { admin_keys: ["${ADMIN}"] }
            store:
              url: postgresql://proxy:${PG_PASSWORD}@db.internal:6543/gateway?sslmode=require
              queue_size: 500
              max_staleness: 60
              refresh_interval: 10
              ledger_wait: 0.5
              pool_size: 4
              replica: web-1
            providers: {}
            models: []
            """, environment: ["PG_PASSWORD": "s3cret-password", "ADMIN": "admin-key-123"])
        let store = try #require(settings.store)
        #expect(store.location == .postgres(url: "postgresql://proxy:s3cret-password@db.internal:6543/gateway?sslmode=require"))
        #expect(store.queueSize == 500)
        #expect(store.maxStaleness == .seconds(60))
        #expect(store.refreshInterval == .seconds(10))
        #expect(store.ledgerWait == .milliseconds(500))
        #expect(store.poolSize == 4)
        #expect(store.replica == "web-1")
        #expect(store.displayLocation == "postgresql://proxy@db.internal:6543/gateway")
        #expect(settings.server.adminKeys == ["admin-key-123"])
        #expect(settings.server.host == "0.0.0.0")
        let redactor = SecretRedactor(settings: settings)
        #expect(redactor.redact("auth failed for s3cret-password with admin-key-123") == "auth failed for [REDACTED] with [REDACTED]")
    }

    @Test("an SQLite store, with the defaults")
    func sqlite() throws {
        let store = try #require(try Self.load("store: { url: \"sqlite:/var/lib/ccp/proxy.db\" }\nproviders: {}\nmodels: []").store)
        #expect(store.location == .sqlite(path: "/var/lib/ccp/proxy.db"))
        #expect(store.queueSize == 10_000)
        #expect(store.maxStaleness == .seconds(300))
        #expect(store.ledgerWait == .seconds(2))
    }

    @Test("without store: nothing changes (loopback, no admin keys)")
    func none() throws {
        let settings = try Self.load("providers: {}\nmodels: []")
        #expect(settings.store == nil)
        #expect(settings.server.host == "127.0.0.1")
    }

    @Test(
        "a store that cannot be used is a problem at its line",
        arguments: [
            (
                "store: { url: \"mysql://x:secret@h/db\" }",
                "c.yaml:1:15: url must start with postgresql:// (several replicas) or sqlite: (one machine), not 'mysql:…' (at store.url)"
            ),
            (
                "store: { url: \"sqlite:x.db\", max_staleness: 30 }",
                "c.yaml:1:45: max_staleness (30.0 seconds) must be longer than refresh_interval (30.0 seconds)"
            ),
            ("store: { url: \"sqlite:x.db\", max_staleness: 0 }", "c.yaml:1:45: max_staleness must be at least 1.0 seconds, not 0.0"),
            (
                "store: { url: \"postgresql://h/db\" }",
                "c.yaml:1:15: url is not a PostgreSQL URL of the form postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (at store.url)"
            ),
            ("store: { url: \"postgresql://u@h:99999/db\" }", "c.yaml:1:15: url is not a PostgreSQL URL"),
            ("store: { url: \"postgresql://u@h/db?sslmode=maybe\" }", "c.yaml:1:15: url is not a PostgreSQL URL"),
            ("store: { url: \"sqlite:\" }", "c.yaml:1:15: url needs a file after sqlite:"),
            ("store: { url: \"postgresql://u:${NOPE}@h/db\" }", "c.yaml:1:15: url uses ${NOPE}, which is not set (at store.url)"),
            ("store: { url: \"sqlite:x.db\", queue_size: 0 }", "c.yaml:1:42: queue_size must be at least 1, not 0 (at store.queue_size)"),
            (
                "store: { url: \"sqlite:x.db\", refresh_interval: 0.5 }",
                "c.yaml:1:48: refresh_interval must be at least 1.0 seconds, not 0.5 (at store.refresh_interval)"
            ),
            (
                "store: { url: \"sqlite:x.db\", lederg_wait: 1 }",
                "c.yaml:1:30: unknown key 'lederg_wait'; did you mean 'ledger_wait'? (at store.lederg_wait)"
            ),
            ("store: { queue_size: 5 }", "c.yaml:1:8: missing required key 'url' (at store)"),
        ])
    func problems(store: String, expected: String) {
        let problems = Self.problems(store + "\nproviders: {}\nmodels: []")
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.hasPrefix(expected) == true, "\(problems)")
    }

    @Test("prices on a route and in a profile's models: the route's win, the profile fills the rest; a negative price is a problem")
    func prices() throws {
        let settings = try Self.load(
            """
            providers:
              p:
                type: openai
                base_url: http://127.0.0.1:9/v1
                models:
                  gpt-4o: { input_cost_per_mtok: 2.5, output_cost_per_mtok: 10, cache_read_cost_per_mtok: 1.25 }
            models:
              - match: "*"
                provider: p
                model: gpt-4o
                input_cost_per_mtok: 2
            """)
        let target = try #require(settings.targets(for: RequestTraits(model: "claude-opus-4-5")).first)
        #expect(target.metadata.prices == ModelPrices(input: 2, output: 10, cacheRead: 1.25))
        let problems = Self.problems(
            """
            providers: { p: { type: openai, base_url: "http://127.0.0.1:9/v1" } }
            models: [{ match: "*", provider: p, output_cost_per_mtok: -1 }]
            """)
        #expect(
            problems == [
                "c.yaml:2:59: output_cost_per_mtok is US dollars per million tokens, at least 0, not -1.0 (at models[0].output_cost_per_mtok)"
            ])
    }
}
