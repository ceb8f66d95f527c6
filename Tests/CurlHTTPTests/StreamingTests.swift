import CurlHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension CurlHTTPTests {
    /// Bodies stream chunk by chunk as they arrive, with bounded buffering.
    @Suite struct Streaming {
        @Test func chunksArriveAsTheyAreSent() async throws {
            let secondSentAt = Signal<ContinuousClock.Instant>()
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(headers: [("Content-Type", "text/event-stream")], chunked: true)
                connection.writeChunk(bytes("data: one\n\n"))
                usleep(300_000)
                secondSentAt.set(.now)
                connection.writeChunk(bytes("data: two\n\n"))
                connection.endChunks()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/stream"))
            var arrivals: [(chunk: [UInt8], at: ContinuousClock.Instant)] = []
            for try await chunk in response.body { arrivals.append((chunk, .now)) }
            #expect(arrivals.map(\.chunk) == [bytes("data: one\n\n"), bytes("data: two\n\n")])
            let sent = try #require(secondSentAt.current)
            #expect(arrivals[0].at < sent)
            #expect(arrivals[1].at >= sent)
        }

        /// Fifty HTTP chunks in one segment reach libcurl's write callback one by one, while the consumer
        /// waits: it still gets them in one piece (and so translates and writes them once).
        @Test func bytesThatArriveTogetherAreHandedOverTogether() async throws {
            let events = (1...50).map { bytes("data: event \($0)\n\n") }
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(headers: [("Content-Type", "text/event-stream")], chunked: true)
                usleep(200_000)  // the consumer is waiting in `next` by now
                let burst = events.map { Array((String($0.count, radix: 16) + "\r\n").utf8) + $0 + bytes("\r\n") }
                connection.write(burst.flatMap { $0 })
                usleep(100_000)
                connection.endChunks()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/stream"))
            var received: [[UInt8]] = []
            for try await chunk in response.body { received.append(chunk) }
            #expect(received == [events.flatMap { $0 }])
        }

        /// `wake` answers a waiting `next` with an empty chunk at once, once; a wake while nobody waits is
        /// kept for the next `next` that finds no data; data and the end then follow as usual.
        @Test func wakeInterruptsAWaitingConsumerOnce() async throws {
            let release = Signal<Bool>()
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(headers: [("Content-Type", "text/event-stream")], chunked: true)
                while release.current == nil { usleep(5_000) }
                connection.writeChunk(bytes("data: late\n\n"))
                connection.endChunks()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let body = try await client.execute(.init(url: server.baseURL + "/stream")).body
            let waking = Task {
                try await Task.sleep(for: .milliseconds(100))
                body.wake()
            }
            var iterator = body.makeAsyncIterator()
            let started = ContinuousClock.now
            #expect(try await iterator.next() == [])
            #expect(ContinuousClock.now - started < .seconds(2))
            try await waking.value
            body.wake()  // nobody waits: kept for the next `next`
            #expect(try await iterator.next() == [])
            release.set(true)
            #expect(try await iterator.next() == bytes("data: late\n\n"))
            #expect(try await iterator.next() == nil)
        }

        @Test func collectThrowsBeyondTheLimitAndReturnsAtIt() async throws {
            let body = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
            let server = try TestServer { connection in
                while connection.readRequest() != nil {
                    connection.writeHead(chunked: true)
                    connection.writeChunk(Array(body[..<4_000]))
                    connection.writeChunk(Array(body[4_000...]))
                    connection.endChunks()
                }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let tooLarge = await #expect(throws: HTTPClientError.self) {
                try await client.execute(.init(url: server.baseURL + "/")).body.collect(upTo: 9_999)
            }
            #expect(tooLarge?.kind == .responseTooLarge)
            #expect(tooLarge?.host == "127.0.0.1:\(server.port)")
            let exact = try await client.execute(.init(url: server.baseURL + "/")).body.collect(upTo: 10_000)
            #expect(exact == body)
        }

        /// A consumer that does not read pauses the transfer once `maxBufferedBodyBytes` are buffered; the
        /// server then blocks on full socket buffers. Draining resumes it and every byte arrives in order.
        @Test func slowConsumerKeepsBufferedBytesBounded() async throws {
            let total = 50 << 20
            let limit = 256 << 10
            let sentBytes = Locked(0)
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(headers: [("Content-Length", "\(total)")])
                let block = (0..<(64 << 10)).map { UInt8(truncatingIfNeeded: $0 % 251) }
                var offset = 0
                while offset < total {
                    // Byte n of the body is n % 251: start this write where the pattern stands.
                    let shift = offset % 251
                    let slice = Array(block[shift..<min(block.count, shift + total - offset)])
                    guard connection.write(slice) else { return }
                    offset += slice.count
                    sentBytes.update { $0 = offset }
                }
            }
            defer { server.stop() }
            let client = makeClient(maxBufferedBodyBytes: limit)
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/big"))
            // Wait until the server stops making progress (blocked by the paused transfer), at most 5 s.
            var last = -1
            for _ in 0..<50 {
                try await Task.sleep(for: .milliseconds(100))
                let now = sentBytes.value
                if now == last { break }
                last = now
            }
            let buffered = response.body.bufferedByteCount
            #expect(buffered >= limit)
            #expect(buffered <= limit + (64 << 10))
            #expect(sentBytes.value < total / 2)

            var received = 0
            var inOrder = true
            for try await chunk in response.body {
                inOrder =
                    inOrder && chunk.first == UInt8(received % 251)
                    && chunk.last == UInt8((received + chunk.count - 1) % 251)
                received += chunk.count
            }
            #expect(received == total)
            #expect(inOrder)
        }

        /// Time spent paused because the consumer is behind is not upstream silence.
        @Test func pausedTimeDoesNotCountAsIdle() async throws {
            let total = 4 << 20
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(headers: [("Content-Length", "\(total)")])
                connection.write([UInt8](repeating: 1, count: total))
            }
            defer { server.stop() }
            let client = makeClient(maxBufferedBodyBytes: 64 << 10)
            defer { client.shutdown() }

            let response = try await client.execute(
                .init(url: server.baseURL + "/", timeouts: .init(idle: .milliseconds(200))))
            try await Task.sleep(for: .milliseconds(600))
            #expect(response.body.bufferedByteCount >= 64 << 10)
            #expect(try await response.body.collect(upTo: total).count == total)
        }

        @Test func thousandConcurrentStreamsComplete() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.writeHead(headers: [("Content-Type", "text/event-stream")], chunked: true)
                for part in 0..<3 {
                    connection.writeChunk(bytes("part\(part)-"))
                    usleep(20_000)
                }
                connection.endChunks()
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let request = HTTPClientRequest(url: server.baseURL + "/stream", timeouts: .init(total: .seconds(30)))
            let results = await withTaskGroup(of: Result<[UInt8], any Error>.self) { group in
                for _ in 0..<1_000 {
                    group.addTask {
                        do {
                            let response = try await client.execute(request)
                            return .success(try await response.body.collect(upTo: 1_000))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var results: [Result<[UInt8], any Error>] = []
                for await result in group { results.append(result) }
                return results
            }
            let bodies = results.compactMap { try? $0.get() }
            #expect(bodies.count == 1_000)
            #expect(bodies.allSatisfy { $0 == bytes("part0-part1-part2-") })
            let failures = results.compactMap { result -> String? in
                if case .failure(let error) = result { return "\(error)" }
                return nil
            }
            #expect(failures.isEmpty, "first failure: \(failures.first ?? "")")
        }
    }
}
