import Foundation
import ProxyCore
import ProxyServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Client connections cannot be held open by sending slowly or not at all, cannot exceed the limit, and
/// cannot hold up a graceful stop.
@Suite("Client connection deadlines and limits", .timeLimit(.minutes(1)))
struct ClientConnectionTests {
    static let timeouts = ClientTimeouts(header: .milliseconds(300), body: .milliseconds(300), idle: .milliseconds(300))

    static func run(
        timeouts: ClientTimeouts = timeouts, maxConnections: Int = 1024, grace: Duration = .seconds(10),
        _ body: (ProxyHarness) async throws -> Void
    ) async throws {
        try await ProxyHarness.run(
            settings: { settings in
                settings.server.clientTimeouts = timeouts
                settings.server.maxConnections = maxConnections
                settings.server.shutdownGracePeriod = grace
            }, body)
    }

    static let halfHead = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"
    static let stalledBody =
        "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"mo"

    @Test("half a request head, a stalled body and an idle kept-alive connection are closed at their deadlines")
    func deadlines() async throws {
        try await Self.run { harness in
            let half = try RawConnection(port: harness.proxyPort, sending: Self.halfHead)
            let stalled = try RawConnection(port: harness.proxyPort, sending: Self.stalledBody)
            let idle = try RawConnection(port: harness.proxyPort, sending: "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await idle.read(within: .seconds(5)).contains("200 OK"), "the request itself is answered")
            for connection in [half, stalled, idle] {
                let closedAfter = await connection.closed(within: .seconds(5))
                #expect(closedAfter != nil, "closed by the proxy")
                #expect((closedAfter ?? .zero) < .seconds(3))
            }
            #expect(try await harness.send("/health", method: "GET").status == 200, "the server keeps serving")
        }
    }

    @Test("a stream that outlasts the deadlines is not cut: they do not run while a response is written")
    func longResponse() async throws {
        try await Self.run { harness in
            harness.upstream.script(.stream(events: MockUpstream.streamedText(["a", "b", "c", "d"]), delay: .milliseconds(250)))
            let request: JSONValue = [
                "model": "claude-3-haiku", "max_tokens": 100, "stream": true, "messages": [["role": "user", "content": "x"]],
            ]
            let (status, events) = try await harness.stream(json: request)
            #expect(status == 200)
            #expect(events.last?.name == "message_stop")
        }
    }

    @Test("connections beyond max_connections are closed as they arrive; the others keep working")
    func connectionLimit() async throws {
        try await Self.run(timeouts: ClientTimeouts(), maxConnections: 3) { harness in
            let kept = try (0..<3).map { _ in try RawConnection(port: harness.proxyPort, sending: "") }
            try await Task.sleep(for: .milliseconds(200))
            let refused = try RawConnection(port: harness.proxyPort, sending: "")
            #expect(await refused.closed(within: .seconds(3)) != nil)
            kept[0].send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await kept[0].read(within: .seconds(5)).contains("200 OK"))
            for connection in kept { #expect(await connection.closed(within: .milliseconds(100)) == nil) }
        }
    }

    @Test("a graceful stop closes connections still sending after the grace period, however long their deadlines")
    func boundedStop() async throws {
        let patient = ClientTimeouts(header: .seconds(60), body: .seconds(60), idle: .seconds(60))
        try await Self.run(timeouts: patient, grace: .milliseconds(300)) { harness in
            let half = try RawConnection(port: harness.proxyPort, sending: Self.halfHead)
            let stalled = try RawConnection(port: harness.proxyPort, sending: Self.stalledBody)
            try await Task.sleep(for: .milliseconds(100))
            let stopping = Task { await harness.shutDownProxy() }
            for connection in [half, stalled] {
                let closedAfter = await connection.closed(within: .seconds(5))
                #expect(closedAfter != nil && closedAfter! < .seconds(3), "closed within the grace period and a little")
            }
            await stopping.value
        }
    }

    @Test("hundreds of half heads and stalled bodies are all closed at their deadlines")
    func manyStalledClients() async throws {
        try await Self.run { harness in
            let connections = try (0..<300).map { index in
                try RawConnection(port: harness.proxyPort, sending: index % 3 == 0 ? Self.stalledBody : Self.halfHead)
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(harness.connections.openConnections >= 1)
            let start = ContinuousClock.now
            for connection in connections { #expect(await connection.closed(within: .seconds(5) - (ContinuousClock.now - start)) != nil) }
            // The proxy unregisters a connection just after the client saw it close.
            for _ in 0..<100 where harness.connections.openConnections > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(harness.connections.openConnections == 0, "nothing left registered")
        }
    }
}

/// A blocking TCP connection to the proxy, for sending exactly the bytes a test wants.
final class RawConnection {
    private let fd: Int32
    private let opened = ContinuousClock.now

    init(port: Int, sending text: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { throw POSIXError(.ECONNREFUSED) }
        if !text.isEmpty { send(text) }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives within `limit`, up to `marker` (by default the end of a response head).
    func read(within limit: Duration, until marker: String = "\r\n\r\n") async -> String {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + limit
        while await readable(before: deadline) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[..<count]
            if String(decoding: received, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// How long after it was opened the proxy closed the connection; nil if it is still open after `limit`.
    func closed(within limit: Duration) async -> Duration? {
        let deadline = ContinuousClock.now + limit
        while await readable(before: deadline) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            if recv(fd, &buffer, buffer.count, 0) <= 0 { return ContinuousClock.now - opened }
        }
        return nil
    }

    /// Whether the socket became readable before `deadline`. Polls without blocking: a blocked thread
    /// of the concurrency pool would be one the proxy under test cannot use.
    private func readable(before deadline: ContinuousClock.Instant) async -> Bool {
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
