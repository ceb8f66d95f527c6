import Testing

@testable import ProxyCore

@Suite("prices and store URLs")
struct ModelPricesTests {
    @Test("a request's cost: each kind of token at its price per million; unset cache prices at the input price")
    func cost() {
        let usage = TokenUsage(inputTokens: 1_000, outputTokens: 200, cacheCreationInputTokens: 4_000, cacheReadInputTokens: 100_000)
        let priced = ModelPrices(input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75)
        #expect(abs(priced.cost(of: usage) - (0.003 + 0.003 + 0.03 + 0.015)) < 1e-12)
        let inputOnly = ModelPrices(input: 1, output: 2)
        #expect(abs(inputOnly.cost(of: usage) - (0.001 + 0.0004 + 0.1 + 0.004)) < 1e-12)
        #expect(ModelPrices().cost(of: usage) == 0)
        #expect(!ModelPrices().isPriced && priced.isPriced)
    }

    @Test("a profile's model metadata takes the four price keys; a price that is not a number ≥ 0 makes the entry invalid")
    func metadataJSON() throws {
        let metadata = try #require(
            ModelMetadata(json: ["context_window": 200000, "input_cost_per_mtok": 5, "cache_write_cost_per_mtok": 6.25]))
        #expect(metadata.prices == ModelPrices(input: 5, cacheWrite: 6.25))
        #expect(ModelMetadata(json: ["input_cost_per_mtok": -1]) == nil)
        #expect(ModelMetadata(json: ["output_cost_per_mtok": "10"]) == nil)
    }

    @Test(
        "PostgreSQL URLs as libpq writes them",
        arguments: [
            ("postgresql://proxy@db:5432/gateway", "proxy", nil, "db", 5432, "gateway", PostgresURL.TLSMode.prefer),
            ("postgres://u:p%40ss@10.0.0.5/db?sslmode=verify-full", "u", "p@ss", "10.0.0.5", 5432, "db", .verifyFull),
            ("postgresql://u@[::1]:6000/db?sslmode=disable", "u", nil, "::1", 6000, "db", .disable),
        ] as [(String, String, String?, String, Int, String, PostgresURL.TLSMode)])
    func postgresURLs(
        text: String, user: String, password: String?, host: String, port: Int, database: String, tls: PostgresURL.TLSMode
    ) throws {
        let url = try #require(PostgresURL(text))
        #expect(url.user == user && url.password == password && url.host == host && url.port == port)
        #expect(url.database == database && url.tls == tls && url.socketDirectory == nil)
    }

    @Test("a Unix socket directory in the query, and URLs that are not PostgreSQL's")
    func socketAndInvalid() throws {
        let url = try #require(PostgresURL("postgresql://proxy@/gateway?host=/run/postgresql"))
        #expect(url.socketDirectory == "/run/postgresql" && url.host == nil)
        #expect(url.redacted == "postgresql://proxy@:5432/gateway?host=/run/postgresql")
        for text in [
            "mysql://u@h/db", "postgresql://h/db", "postgresql://u@h:0/db", "postgresql://u@h/db?sslmode=x", "postgresql://u@h/db?x=1",
        ] {
            #expect(PostgresURL(text) == nil, "\(text)")
        }
    }
}
