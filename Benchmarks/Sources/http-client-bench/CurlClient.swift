import CurlHTTP

/// The proxy's own client, with its default configuration.
struct CurlBenchClient: BenchClient {
    let name = "curl"
    private let client = CurlHTTPClient(configuration: .init())
    private let url: String

    init(port: Int) {
        url = "http://127.0.0.1:\(port)/v1/chat/completions"
    }

    func exchange(_ scenario: Scenario) async throws -> Int {
        let request = HTTPClientRequest(
            method: "POST", url: url, headers: scenario.headers, body: scenario.requestBody)
        let response = try await client.execute(request)
        guard response.status == 200 else { throw BenchError(description: "curl: status \(response.status)") }
        switch scenario {
        case .small:
            return try await response.body.collect(upTo: 1 << 20).count
        case .sse, .paced:
            var bytes = 0
            for try await chunk in response.body { bytes += chunk.count }
            return bytes
        }
    }

    func shutdown() async throws {
        client.shutdown()
    }
}
