import CurlHTTP
import Testing

extension CurlHTTPTests {
    /// Giving up on a request closes its upstream connection at once and never looks like success.
    @Suite struct Cancellation {
        @Test func cancellingTheConsumerClosesTheConnection() async throws {
            let closed = Signal<ContinuousClock.Instant>()
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(chunked: true)
                connection.writeChunk(bytes("first"))
                if let at = connection.waitForClientClose() { closed.set(at) }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/stream"))
            let firstChunk = Signal<Void>()
            let consumer = Task {
                var received: [UInt8] = []
                for try await chunk in response.body {
                    received += chunk
                    firstChunk.set(())
                }
                return received
            }
            #expect(await firstChunk.wait() != nil)
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            let closedAt = try #require(await closed.wait())
            #expect(closedAt - cancelledAt < .milliseconds(100))
            let outcome = await consumer.result
            let error = #expect(throws: HTTPClientError.self) { try outcome.get() }
            #expect(error?.kind == .cancelled)
            #expect(error?.host == "127.0.0.1:\(server.port)")
        }

        @Test func collectOfACancelledTaskThrowsInsteadOfReturningTruncatedBody() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(chunked: true)
                connection.writeChunk(bytes("partial"))
                _ = connection.waitForClientClose()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/"))
            let collector = Task { try await response.body.collect(upTo: 1_000) }
            try await Task.sleep(for: .milliseconds(100))
            collector.cancel()
            let outcome = await collector.result
            let error = #expect(throws: HTTPClientError.self) { try outcome.get() }
            #expect(error?.kind == .cancelled)
        }

        @Test func droppingTheBodyClosesTheConnection() async throws {
            let closed = Signal<ContinuousClock.Instant>()
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(chunked: true)
                connection.writeChunk(bytes("unread"))
                if let at = connection.waitForClientClose() { closed.set(at) }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            var response: HTTPClientResponse? = try await client.execute(.init(url: server.baseURL + "/"))
            #expect(response?.status == 200)
            // Let the chunk land in the buffer, so only the drop (not a later write) can end the transfer.
            try await Task.sleep(for: .milliseconds(50))
            #expect(closed.current == nil)
            response = nil
            let droppedAt = ContinuousClock.now
            let closedAt = try #require(await closed.wait())
            #expect(closedAt - droppedAt < .milliseconds(100))
        }

        @Test func cancellingExecuteBeforeTheHeadClosesTheConnection() async throws {
            let requestSeen = Signal<Void>()
            let closed = Signal<ContinuousClock.Instant>()
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                requestSeen.set(())
                if let at = connection.waitForClientClose() { closed.set(at) }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let call = Task { try await client.execute(.init(url: server.baseURL + "/never")) }
            #expect(await requestSeen.wait() != nil)
            let cancelledAt = ContinuousClock.now
            call.cancel()
            let closedAt = try #require(await closed.wait())
            #expect(closedAt - cancelledAt < .milliseconds(100))
            let outcome = await call.result
            #expect(throws: CancellationError.self) { try outcome.get() }
        }

        @Test func executeInAnAlreadyCancelledTaskNeverReachesTheServer() async throws {
            let server = try TestServer { connection in _ = connection.readRequest() }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let call = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.execute(.init(url: server.baseURL + "/"))
            }
            let outcome = await call.result
            #expect(throws: CancellationError.self) { try outcome.get() }
            try await Task.sleep(for: .milliseconds(50))
            #expect(server.acceptedCount == 0)
        }

        @Test func shutdownFailsPendingRequestsAndLaterOnes() async throws {
            let requestSeen = Signal<Void>()
            let closed = Signal<ContinuousClock.Instant>()
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                requestSeen.set(())
                if let at = connection.waitForClientClose() { closed.set(at) }
            }
            defer { server.stop() }
            let client = makeClient()

            let call = Task { try await client.execute(.init(url: server.baseURL + "/never")) }
            #expect(await requestSeen.wait() != nil)
            client.shutdown()
            client.shutdown()
            #expect(await closed.wait() != nil)
            let pending = await #expect(throws: HTTPClientError.self) { try await call.result.get() }
            #expect(pending?.kind == .cancelled)
            let later = await #expect(throws: HTTPClientError.self) {
                try await client.execute(.init(url: server.baseURL + "/"))
            }
            #expect(later?.kind == .cancelled)
        }

        @Test func shutdownDuringABurstSettlesEveryRequest() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                _ = connection.waitForClientClose()
            }
            defer { server.stop() }
            let client = makeClient()
            let settled = Locked(0)
            let outcomes = Locked<[HTTPClientError.Kind]>([])
            for _ in 0..<200 {
                Task {
                    do {
                        _ = try await client.execute(.init(url: server.baseURL + "/"))
                    } catch let error as HTTPClientError {
                        outcomes.append(error.kind)
                    } catch {}
                    settled.update { $0 += 1 }
                }
            }
            // Shut down once some requests reached the server while others are still being queued.
            while server.acceptedCount < 5 { await Task.yield() }
            client.shutdown()
            for _ in 0..<500 where settled.value < 200 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(settled.value == 200)
            #expect(outcomes.value.allSatisfy { $0 == .cancelled })
        }
    }
}
