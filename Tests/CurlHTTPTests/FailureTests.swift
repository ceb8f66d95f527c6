import CurlHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension CurlHTTPTests {
    /// Each failure surfaces as its own kind, names the host, and a cut body never ends cleanly.
    @Suite struct Failures {
        @Test func connectTimeoutWhenTheListenBacklogIsFull() async throws {
            // Loopback has no unroutable address, but a listener that never accepts, with backlog 0 and a
            // queued connection, makes Linux drop further SYNs: connect then hangs until the limit.
            let server = try TestServer(backlog: 0, acceptConnections: false)
            defer { server.stop() }
            let fillers = (0..<3).map { _ in rawConnect(port: server.port) }
            defer { for fd in fillers { _ = closeDescriptor(fd) } }
            try await Task.sleep(for: .milliseconds(50))
            let client = makeClient()
            defer { client.shutdown() }

            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(
                    .init(url: server.baseURL + "/", timeouts: .init(connect: .milliseconds(300), total: .seconds(5))))
            }
            #expect(error?.kind == .timeout(.connect))
            #expect(ContinuousClock.now - started < .seconds(2))
        }

        @Test func firstByteTimeoutWhenTheServerNeverAnswers() async throws {
            let closed = Signal<ContinuousClock.Instant>()
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                if let at = connection.waitForClientClose() { closed.set(at) }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(
                    .init(url: server.baseURL + "/", timeouts: .init(firstByte: .milliseconds(300))))
            }
            let elapsed = ContinuousClock.now - started
            #expect(error?.kind == .timeout(.firstByte))
            #expect(error?.message.contains("127.0.0.1:\(server.port)") == true)
            #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(2))
            #expect(await closed.wait() != nil)
        }

        @Test func totalTimeoutBeforeTheHead() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                _ = connection.waitForClientClose()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(.init(url: server.baseURL + "/", timeouts: .init(total: .milliseconds(300))))
            }
            #expect(error?.kind == .timeout(.total))
        }

        @Test func idleTimeoutWhenTheStreamGoesSilent() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(chunked: true)
                connection.writeChunk(bytes("one"))
                _ = connection.waitForClientClose()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(
                .init(url: server.baseURL + "/", timeouts: .init(firstByte: .seconds(5), idle: .milliseconds(300))))
            let (chunks, error) = await drain(response.body)
            #expect(chunks == [bytes("one")])
            #expect(error?.kind == .timeout(.idle))
        }

        @Test func idleTimeoutDoesNotCutAStreamThatKeepsSending() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(chunked: true)
                for _ in 0..<8 {
                    connection.writeChunk(bytes("."))
                    usleep(100_000)
                }
                connection.endChunks()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(
                .init(url: server.baseURL + "/", timeouts: .init(idle: .milliseconds(300))))
            let (chunks, error) = await drain(response.body)
            #expect(error == nil)
            #expect(chunks.count == 8)
        }

        @Test func totalTimeoutCutsAStreamThatNeverEnds() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(chunked: true)
                for _ in 0..<100 {
                    guard connection.writeChunk(bytes("tick")) else { return }
                    usleep(50_000)
                }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let started = ContinuousClock.now
            let response = try await client.execute(
                .init(url: server.baseURL + "/", timeouts: .init(idle: .seconds(5), total: .milliseconds(500))))
            let (chunks, error) = await drain(response.body)
            #expect(chunks.count >= 2)
            #expect(error?.kind == .timeout(.total))
            #expect(ContinuousClock.now - started < .seconds(2))
        }

        @Test func resetMidBodyIsAnErrorNotAnEnd() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(headers: [("Content-Length", "100000")])
                connection.write([UInt8](repeating: 7, count: 1_000))
                usleep(50_000)
                connection.reset()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/"))
            let (chunks, error) = await drain(response.body)
            #expect(chunks.reduce(0) { $0 + $1.count } <= 1_000)
            #expect(error?.kind == .connectionReset)
        }

        @Test func hangUpBeforeTheLastChunkIsAnErrorNotAnEnd() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(chunked: true)
                connection.writeChunk(bytes("half"))
                connection.close()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/"))
            let collected = await #expect(throws: HTTPClientError.self) { try await response.body.collect(upTo: 1_000) }
            #expect(collected?.kind == .connectionReset)
        }

        @Test func httpsToAPlainServerIsATLSFailure() async throws {
            let server = try TestServer { connection in
                connection.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                _ = connection.waitForClientClose(timeout: .seconds(2))
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(.init(url: "https://127.0.0.1:\(server.port)/"))
            }
            #expect(error?.kind == .tlsFailure)
            #expect(error?.message.contains("127.0.0.1:\(server.port)") == true)
        }

        @Test func refusedConnectionNamesTheHostAndHidesHeaders() async throws {
            let port = unusedPort()
            let client = makeClient()
            defer { client.shutdown() }

            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(
                    .init(
                        url: "http://127.0.0.1:\(port)/v1?key=query-secret",
                        headers: [("Authorization", "Bearer sk-secret")]))
            }
            #expect(error?.kind == .connectionRefused)
            #expect(error?.host == "127.0.0.1:\(port)")
            #expect(error?.message == "connection refused by 127.0.0.1:\(port)")
            #expect(error?.description.contains("secret") == false)
        }

        @Test func unresolvableHostIsADNSFailure() async throws {
            let client = makeClient()
            defer { client.shutdown() }

            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(
                    .init(url: "http://no-such-host.invalid/", timeouts: .init(connect: .seconds(5))))
            }
            #expect(error?.kind == .dnsFailure)
            #expect(error?.host == "no-such-host.invalid")
            #expect(error?.message.contains("no-such-host.invalid") == true)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}
