import CurlHTTP
import Logging
import ProxyConfig
import ProxyCore
import ProxyServer
import ServiceLifecycle
import Synchronization

/// The real proxy and a mock upstream, both on loopback ports, for one test; requests go through the
/// real libcurl client. Everything stops when `body` returns.
struct ProxyHarness {
    let proxyPort: Int
    let upstream: MockUpstream
    let client: CurlHTTPClient

    /// Runs `body` against a proxy whose settings come from the seed's `environment`, with
    /// `OPENAI_BASE_URL` pointed at the mock.
    static func run(
        environment: [String: String] = ["OPENAI_API_KEY": "sk-test-upstream-key"],
        settings adjust: @Sendable (inout ProxySettings) -> Void = { _ in },
        _ body: (ProxyHarness) async throws -> Void
    ) async throws {
        let upstream = MockUpstream()
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let ports = PortBox()
        var logger = Logger(label: "proxy-test")
        logger.logLevel = .critical
        let mockApplication = upstream.makeApplication { ports.set(mock: $0) }
        let mockGroup = ServiceGroup(configuration: .init(services: [mockApplication], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await mockGroup.run() }
            let mockPort = try await ports.waitForMock()
            var environment = environment
            environment["OPENAI_BASE_URL"] = "http://127.0.0.1:\(mockPort)/v1"
            environment["PORT"] = "0"
            var settings = try EnvironmentSettings.load(environment: environment)
            adjust(&settings)
            let proxy = try ProxyApplication.make(
                settings: settings, client: client, version: "test", logger: logger,
                onServerRunning: { ports.set(proxy: $0) }
            )
            let proxyGroup = ServiceGroup(configuration: .init(services: [proxy], logger: logger))
            group.addTask { try await proxyGroup.run() }
            let proxyPort = try await ports.waitForProxy()
            defer { group.cancelAll() }
            let outcome = await Result(catching: { try await body(ProxyHarness(proxyPort: proxyPort, upstream: upstream, client: client)) })
            await proxyGroup.triggerGracefulShutdown()
            await mockGroup.triggerGracefulShutdown()
            // A failed test can leave a request in flight that graceful shutdown would wait for forever.
            group.addTask {
                try await Task.sleep(for: .seconds(2))
                throw CancellationError()
            }
            _ = try? await group.next()
            try outcome.get()
        }
    }

    /// Sends a request to the proxy and reads the whole answer.
    func send(
        _ path: String, method: String = "POST", json: JSONValue? = nil, headers: [(name: String, value: String)] = []
    ) async throws -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        var allHeaders = headers
        if json != nil { allHeaders.append((name: "content-type", value: "application/json")) }
        let response = try await client.execute(
            HTTPClientRequest(
                method: method, url: "http://127.0.0.1:\(proxyPort)\(path)", headers: allHeaders,
                body: json?.serialized() ?? [], timeouts: HTTPClientTimeouts(connect: .seconds(5), total: .seconds(30))
            )
        )
        return (response.status, response.headers, try await response.body.collect(upTo: 16 * 1024 * 1024))
    }

    /// `send`, with the answer parsed as JSON.
    func sendJSON(_ path: String, json: JSONValue, headers: [(name: String, value: String)] = []) async throws -> (status: Int, json: JSONValue) {
        let response = try await send(path, json: json, headers: headers)
        return (response.status, try JSONParser.parse(response.body))
    }

    /// A streaming request; returns each SSE event as (name, data JSON).
    func stream(_ path: String = "/v1/messages", json: JSONValue) async throws -> (status: Int, events: [(name: String, data: JSONValue)]) {
        let response = try await send(path, json: json)
        return (response.status, try SSEEvents.parse(response.body))
    }
}

/// Splits an Anthropic SSE body into events, strictly: every event must have exactly one `event:` and
/// one `data:` line, and the data must be JSON.
enum SSEEvents {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ body: [UInt8]) throws -> [(name: String, data: JSONValue)] {
        let text = String(decoding: body, as: UTF8.self)
        var events: [(name: String, data: JSONValue)] = []
        for block in text.split(separator: "\n\n", omittingEmptySubsequences: true) {
            let lines = block.split(separator: "\n")
            guard lines.count == 2, lines[0].hasPrefix("event: "), lines[1].hasPrefix("data: ") else {
                throw Malformed(description: "malformed SSE event: \(block)")
            }
            events.append((String(lines[0].dropFirst(7)), try JSONParser.parse(String(lines[1].dropFirst(6)))))
        }
        return events
    }
}

/// Ports reported by `onServerRunning`, awaited by the test.
final class PortBox: Sendable {
    private let ports = Mutex<(mock: Int?, proxy: Int?)>((nil, nil))

    func set(mock port: Int) { ports.withLock { $0.mock = port } }
    func set(proxy port: Int) { ports.withLock { $0.proxy = port } }

    func waitForMock() async throws -> Int { try await wait { $0.mock } }
    func waitForProxy() async throws -> Int { try await wait { $0.proxy } }

    private func wait(_ read: @Sendable ((mock: Int?, proxy: Int?)) -> Int?) async throws -> Int {
        for _ in 0..<500 {
            if let port = ports.withLock({ read($0) }) { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SSEEvents.Malformed(description: "server did not start within 5 s")
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
