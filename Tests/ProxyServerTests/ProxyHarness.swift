import BuiltInAdapters
import CurlHTTP
import Logging
import ProxyConfig
import ProxyCore
import ProxyServer
import ProxyStore
import ServiceLifecycle
import StoreTestSupport
import Synchronization

/// The real proxy and a mock upstream, both on loopback ports, for one test; requests go through the
/// real libcurl client. Everything stops when `body` returns.
struct ProxyHarness {
    let proxyPort: Int
    /// The mock upstreams, in the order their URLs were handed to the settings.
    let upstreams: [MockUpstream]
    /// Their base URLs, `http://127.0.0.1:PORT`.
    let upstreamURLs: [String]
    let client: CurlHTTPClient
    /// What SIGTERM does to the real server: starts its graceful shutdown.
    let shutDownProxy: @Sendable () async -> Void
    /// The proxy's settings, which a test may replace as a config reload does.
    let live: LiveSettings
    /// The proxy's open client connections.
    let connections: ConnectionRegistry
    /// The proxy's metrics.
    let metrics: ProxyMetrics
    /// With a store: what the proxy shares through it (its store holds the managed keys).
    let gateway: GatewayState?

    var upstream: MockUpstream { upstreams[0] }

    /// Runs `body` against a proxy whose settings come from the seed's `environment`, with
    /// `OPENAI_BASE_URL` pointed at the mock.
    static func run(
        environment: [String: String] = ["OPENAI_API_KEY": "sk-test-upstream-key"],
        settings adjust: @Sendable (inout ProxySettings) -> Void = { _ in },
        logger: Logger? = nil,
        _ body: (ProxyHarness) async throws -> Void
    ) async throws {
        try await run(
            upstreamCount: 1, logger: logger,
            settings: { urls in
                var environment = environment
                environment["OPENAI_BASE_URL"] = urls[0] + "/v1"
                environment["PORT"] = "0"
                var settings = try EnvironmentSettings.load(environment: environment)
                adjust(&settings)
                return settings
            }, body)
    }

    /// Runs `body` against a proxy whose settings are built from the mock upstreams' base URLs
    /// (`http://127.0.0.1:PORT`); the proxy's port is forced to 0.
    ///
    /// With `store`, the proxy gets a fresh store of that kind (unless the settings name one already), and
    /// `body` runs once the store is migrated and its keys were read.
    static func run(
        upstreamCount: Int, logger proxyLogger: Logger? = nil, registry: AdapterRegistry = .builtIn, store: StoreKind? = nil,
        settings makeSettings: ([String]) throws -> ProxySettings, _ body: (ProxyHarness) async throws -> Void
    ) async throws {
        var cleanUp: (@Sendable () -> Void)?
        defer { cleanUp?() }
        var storeSettings: StoreSettings?
        if let store {
            let (settings, remove) = try await TestStores.fresh(store)
            storeSettings = settings
            cleanUp = remove
        }
        let upstreams = (0..<upstreamCount).map { _ in MockUpstream() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        var logger = Logger(label: "proxy-test")
        logger.logLevel = .critical
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            var serviceGroups: [ServiceGroup] = []
            var urls: [String] = []
            for upstream in upstreams {
                let port = PortBox()
                let application = upstream.makeApplication { port.set($0) }
                let serviceGroup = ServiceGroup(configuration: .init(services: [application], logger: logger))
                group.addTask { try await serviceGroup.run() }
                serviceGroups.append(serviceGroup)
                urls.append("http://127.0.0.1:\(try await port.wait())")
            }
            var settings = try makeSettings(urls)
            settings.server.port = 0
            if settings.store == nil { settings.store = storeSettings }
            let proxyPort = PortBox()
            let live = try LiveSettings(settings: settings, registry: registry)
            let connections = ConnectionRegistry()
            let metrics = ProxyMetrics()
            let gateway = settings.store.map { store in
                GatewayState(
                    settings: store, store: GatewayStore(settings: store, logger: logger), live: live, metrics: metrics,
                    shutdownGracePeriod: settings.server.shutdownGracePeriod, logger: proxyLogger ?? logger)
            }
            let proxy = ProxyApplication.make(
                live: live, client: client, version: "test", logger: proxyLogger ?? logger, connections: connections, metrics: metrics,
                gateway: gateway, onServerRunning: { proxyPort.set($0) }
            )
            let proxyGroup = ServiceGroup(configuration: .init(services: [proxy], logger: logger))
            group.addTask { try await proxyGroup.run() }
            serviceGroups.insert(proxyGroup, at: 0)
            let harness = ProxyHarness(
                proxyPort: try await proxyPort.wait(), upstreams: upstreams, upstreamURLs: urls, client: client,
                shutDownProxy: { await proxyGroup.triggerGracefulShutdown() }, live: live, connections: connections,
                metrics: metrics, gateway: gateway
            )
            if let gateway, storeSettings != nil {
                for _ in 0..<1000 where !gateway.isReady { try await Task.sleep(for: .milliseconds(10)) }
                guard gateway.isReady else { throw SSEEvents.Malformed(description: "the store was not ready within 10 s") }
            }
            let outcome = await Result(catching: { try await body(harness) })
            for serviceGroup in serviceGroups { await serviceGroup.triggerGracefulShutdown() }
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
        _ path: String, method: String = "POST", json: JSONValue? = nil, body: [UInt8]? = nil,
        headers: [(name: String, value: String)] = []
    ) async throws -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        var allHeaders = headers
        if json != nil || body != nil { allHeaders.append((name: "content-type", value: "application/json")) }
        let response = try await client.execute(
            HTTPClientRequest(
                method: method, url: "http://127.0.0.1:\(proxyPort)\(path)", headers: allHeaders,
                body: body ?? json?.serialized() ?? [], timeouts: HTTPClientTimeouts(connect: .seconds(5), total: .seconds(30))
            )
        )
        return (response.status, response.headers, try await response.body.collect(upTo: 16 * 1024 * 1024))
    }

    /// `send`, with the answer parsed as JSON.
    func sendJSON(
        _ path: String, json: JSONValue, headers: [(name: String, value: String)] = []
    ) async throws -> (status: Int, json: JSONValue) {
        let response = try await send(path, json: json, headers: headers)
        return (response.status, try JSONParser.parse(response.body))
    }

    /// A streaming request; returns each SSE event as (name, data JSON).
    func stream(
        _ path: String = "/v1/messages", json: JSONValue, headers: [(name: String, value: String)] = []
    ) async throws -> (status: Int, events: [(name: String, data: JSONValue)]) {
        let response = try await send(path, json: json, headers: headers)
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

/// A port reported by `onServerRunning`, awaited by the test.
final class PortBox: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int) { port.withLock { $0 = value } }

    func wait() async throws -> Int {
        for _ in 0..<500 {
            if let value = port.withLock({ $0 }) { return value }
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
