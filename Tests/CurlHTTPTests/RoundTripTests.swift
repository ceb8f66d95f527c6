import CurlHTTP
import Testing

extension CurlHTTPTests {
    /// Requests reach the server intact and responses come back intact.
    @Suite struct RoundTrip {
        @Test func getReturnsStatusHeadersAndBody() async throws {
            let seen = Signal<ReceivedRequest>()
            let server = try TestServer { connection in
                guard let request = connection.readRequest() else { return }
                seen.set(request)
                connection.respond(status: 203, headers: [("X-Reply", "yes")], body: bytes("hello"))
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(url: server.baseURL + "/models?limit=2"))
            #expect(response.status == 203)
            #expect(response.header("X-REPLY") == "yes")
            #expect(response.headers.contains { $0.name == "x-reply" && $0.value == "yes" })
            #expect(try await response.body.collect(upTo: 100) == bytes("hello"))
            let request = try #require(await seen.wait())
            #expect(request.method == "GET")
            #expect(request.path == "/models?limit=2")
            #expect(request.body.isEmpty)
            #expect(request.header("content-length") == nil)
        }

        @Test func postSendsBodyAndHeadersWithoutExpect() async throws {
            let seen = Signal<ReceivedRequest>()
            let server = try TestServer { connection in
                guard let request = connection.readRequest() else { return }
                seen.set(request)
                connection.respond(
                    status: 201, headers: [("X-Multi", "a"), ("X-Multi", "b")], body: bytes("created"))
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let body = bytes(#"{"model":"m"}"#)
            let response = try await client.execute(
                .init(
                    method: "POST", url: server.baseURL + "/v1/chat",
                    headers: [("Content-Type", "application/json"), ("X-Test", "abc"), ("X-Empty", "")],
                    body: body))
            #expect(response.status == 201)
            #expect(response.headers.filter { $0.name == "x-multi" }.map(\.value) == ["a", "b"])
            #expect(try await response.body.collect(upTo: 100) == bytes("created"))
            let request = try #require(await seen.wait())
            #expect(request.method == "POST")
            #expect(request.body == body)
            #expect(request.header("x-test") == "abc")
            #expect(request.header("x-empty") == "")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("expect") == nil)
        }

        @Test func largePostArrivesWithoutExpectStall() async throws {
            let seen = Signal<(request: ReceivedRequest, at: ContinuousClock.Instant)>()
            let server = try TestServer { connection in
                guard let request = connection.readRequest() else { return }
                seen.set((request, .now))
                connection.respond(body: bytes("ok"))
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let body = (0..<(3 << 19)).map { UInt8(truncatingIfNeeded: $0 % 251) }
            let started = ContinuousClock.now
            let response = try await client.execute(
                .init(
                    method: "POST", url: server.baseURL + "/big", headers: [("Content-Type", "application/json")],
                    body: body))
            #expect(response.status == 200)
            let (request, arrivedAt) = try #require(await seen.wait())
            #expect(request.body == body)
            #expect(request.header("expect") == nil)
            // libcurl's Expect: 100-continue would wait 1 s for an answer that never comes.
            #expect(arrivedAt - started < .milliseconds(800))
        }

        @Test func otherMethodsAreSentAsGiven() async throws {
            let seen = Locked<[ReceivedRequest]>([])
            let server = try TestServer { connection in
                while let request = connection.readRequest() {
                    seen.append(request)
                    connection.respond(status: 204)
                }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            for (method, body) in [("PUT", bytes("put-body")), ("DELETE", []), ("PATCH", bytes("p"))] {
                let response = try await client.execute(.init(method: method, url: server.baseURL + "/x", body: body))
                #expect(response.status == 204)
                #expect(try await response.body.collect(upTo: 10).isEmpty)
            }
            let requests = seen.value
            #expect(requests.map(\.method) == ["PUT", "DELETE", "PATCH"])
            #expect(requests.map(\.body) == [bytes("put-body"), [], bytes("p")])
        }

        @Test func headReturnsHeadAndEmptyBody() async throws {
            let server = try TestServer { connection in
                guard let request = connection.readRequest(), request.method == "HEAD" else { return }
                connection.writeHead(headers: [("Content-Length", "1234"), ("X-Head", "1")])
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(method: "HEAD", url: server.baseURL + "/"))
            #expect(response.status == 200)
            #expect(response.header("content-length") == "1234")
            #expect(try await response.body.collect(upTo: 10).isEmpty)
        }

        @Test func interimHeadIsSkipped() async throws {
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.write("HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n")
                connection.respond(headers: [("X-Final", "1")], body: bytes("ok"))
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(.init(method: "POST", url: server.baseURL + "/", body: bytes("x")))
            #expect(response.status == 200)
            #expect(response.header("x-final") == "1")
            #expect(response.header("x-interim") == nil)
            #expect(try await response.body.collect(upTo: 10) == bytes("ok"))
        }

        @Test func sequentialRequestsReuseOneConnection() async throws {
            let server = try TestServer { connection in
                while let request = connection.readRequest() {
                    connection.respond(body: bytes(request.path))
                }
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            for index in 0..<5 {
                let response = try await client.execute(.init(url: server.baseURL + "/\(index)"))
                #expect(try await response.body.collect(upTo: 100) == bytes("/\(index)"))
            }
            #expect(server.acceptedCount == 1)
        }

        @Test func eachBodyArrivesWholeWhenTheServerClosesKeptAliveConnections() async throws {
            // libcurl reuses the connection, finds it closed and sends the request again on a new one: the
            // transfer must still hold the body then (it frees it only once the response head is in).
            let seen = Locked<[ReceivedRequest]>([])
            let server = try TestServer { connection in
                guard let request = connection.readRequest() else { return }
                seen.append(request)
                connection.respond(body: bytes("ok"))
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let bodies = (0..<4).map { index in (0..<(20_000 + index)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) } }
            for body in bodies {
                let response = try await client.execute(.init(method: "POST", url: server.baseURL + "/again", body: body))
                #expect(response.status == 200)
                #expect(try await response.body.collect(upTo: 10) == bytes("ok"))
            }
            #expect(seen.value.map(\.body) == bodies)
            #expect(server.acceptedCount == 4)
        }

        @Test func aSmallReceiveBufferStillDeliversALargeBodyWhole() async throws {
            let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 241) }
            let server = try TestServer { connection in
                guard connection.readRequest() != nil else { return }
                connection.respond(body: payload)
            }
            defer { server.stop() }
            let client = makeClient()
            defer { client.shutdown() }

            let response = try await client.execute(
                .init(method: "POST", url: server.baseURL + "/big", body: bytes("{}"), receiveBufferSize: 1024))
            #expect(try await response.body.collect(upTo: 1 << 20) == payload)
        }

        @Test func malformedRequestsAreRejectedWithoutEchoingSecrets() async throws {
            let client = makeClient()
            defer { client.shutdown() }

            let badURL = await #expect(throws: HTTPClientError.self) {
                try await client.execute(.init(url: "not a url"))
            }
            #expect(badURL?.kind == .invalidRequest)
            let badScheme = await #expect(throws: HTTPClientError.self) {
                try await client.execute(.init(url: "ftp://127.0.0.1/file"))
            }
            #expect(badScheme?.kind == .invalidRequest)
            let badHeader = await #expect(throws: HTTPClientError.self) {
                try await client.execute(
                    .init(url: "http://127.0.0.1:1/", headers: [("Authorization", "Bearer sk-secret\r\nX-Injected: 1")])
                )
            }
            #expect(badHeader?.kind == .invalidRequest)
            #expect(badHeader?.message.contains("sk-secret") == false)
            #expect(badHeader?.message.contains("Authorization") == true)
        }
    }
}
