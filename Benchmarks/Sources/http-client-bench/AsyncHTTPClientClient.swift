import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// AsyncHTTPClient on NIO's singleton event-loop group, HTTP/1.1 only, with a pool big enough that
/// concurrency 64 gets 64 kept-alive connections (the default soft limit is 8 per host).
struct AsyncHTTPClientBenchClient: BenchClient {
    let name = "ahc"
    private let client: HTTPClient
    private let url: String
    private let bodies: [Scenario: ByteBuffer]

    init(port: Int, poolSize: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.httpVersion = .http1Only
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = poolSize
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        url = "http://127.0.0.1:\(port)/v1/chat/completions"
        var bodies: [Scenario: ByteBuffer] = [:]
        for scenario in Scenario.allCases { bodies[scenario] = ByteBuffer(bytes: scenario.requestBody) }
        self.bodies = bodies
    }

    func exchange(_ scenario: Scenario) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in scenario.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(bodies[scenario]!)
        let response = try await client.execute(request, timeout: .seconds(30))
        guard response.status == .ok else { throw BenchError(description: "ahc: status \(response.status)") }
        switch scenario {
        case .small:
            return try await response.body.collect(upTo: 1 << 20).readableBytes
        case .sse, .paced:
            var bytes = 0
            for try await buffer in response.body { bytes += buffer.readableBytes }
            return bytes
        }
    }

    func shutdown() async throws {
        try await client.shutdown()
    }
}
