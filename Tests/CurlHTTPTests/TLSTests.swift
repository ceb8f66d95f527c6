import CurlHTTP
import Foundation
import Subprocess
import SystemPackage
import Testing

private let opensslPath = "/usr/bin/openssl"
private let nghttpdPath = "/usr/sbin/nghttpd"

extension CurlHTTPTests {
    /// The https path (ALPN offering HTTP/2, falling back to HTTP/1.1) against `openssl s_server` with a
    /// throwaway self-signed certificate: verification is on by default, a CA bundle or `verifyTLS: false`
    /// lets the request through.
    @Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: opensslPath)))
    struct TLS {
        @Test func certificateVerification() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "curlhttp-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let (certificate, key) = try await makeCertificate(in: directory)

            let port = unusedPort()
            let server = [
                "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-www",
            ]
            try await whileRunning(opensslPath, server, output: .discarded) {
                try await waitUntilListening(port: port)
                try await checkVerification(host: "127.0.0.1:\(port)", certificate: certificate)
            }
        }

        /// Verification on by default (with the host in the error), then passed by the CA bundle or turned off.
        private func checkVerification(host: String, certificate: String) async throws {
            let url = "https://\(host)/"

            let strict = CurlHTTPClient()
            defer { strict.shutdown() }
            let untrusted = await #expect(throws: HTTPClientError.self) { try await strict.execute(.init(url: url)) }
            #expect(untrusted?.kind == .tlsFailure)
            #expect(untrusted?.host == host)

            let trusting = CurlHTTPClient(configuration: .init(caBundlePath: certificate))
            defer { trusting.shutdown() }
            let trusted = try await trusting.execute(.init(url: url))
            #expect(trusted.status == 200)
            #expect(try await trusted.body.collect(upTo: 1 << 20).isEmpty == false)

            let lax = CurlHTTPClient(configuration: .init(verifyTLS: false))
            defer { lax.shutdown() }
            let unverified = try await lax.execute(.init(url: url))
            #expect(unverified.status == 200)
            _ = try await unverified.body.collect(upTo: 1 << 20)
        }

        /// Over TLS the client offers HTTP/2 by ALPN and multiplexes concurrent requests on one connection.
        /// nghttpd speaks nothing but HTTP/2, so a 200 from it proves the protocol; its verbose log names
        /// each session (`[id=N]`), which counts the connections.
        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: nghttpdPath)))
        func http2MultiplexesConcurrentRequests() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curlhttp-h2-\(UUID().uuidString)")
            let documents = directory.appendingPathComponent("docroot")
            try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try "hello over h2".write(to: documents.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
            let (certificate, key) = try await makeCertificate(in: directory)

            let port = unusedPort()
            let logFile = directory.appendingPathComponent("nghttpd.log")
            let logDescriptor = try FileDescriptor.open(
                FilePath(logFile.path), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
            let server = ["-a", "127.0.0.1", "-d", documents.path, "-v", "\(port)", key, certificate]
            let bodies = try await whileRunning(
                nghttpdPath, server, output: .fileDescriptor(logDescriptor, closeAfterSpawningProcess: true)
            ) {
                try await waitUntilListening(port: port)
                let client = CurlHTTPClient(configuration: .init(caBundlePath: certificate))
                defer { client.shutdown() }
                return try await withThrowingTaskGroup(of: [UInt8].self) { group in
                    for _ in 0..<10 {
                        group.addTask {
                            let response = try await client.execute(.init(url: "https://127.0.0.1:\(port)/hello.txt"))
                            #expect(response.status == 200)
                            return try await response.body.collect(upTo: 1 << 10)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(bodies.count == 10)
            #expect(bodies.allSatisfy { String(decoding: $0, as: UTF8.self) == "hello over h2" })
            // Sessions that carried requests (the readiness probe opens one without any).
            let log = try String(contentsOf: logFile, encoding: .utf8)
            let sessions = Set(log.matches(of: /\[id=(\d+)\] \[[ \d.]+\] recv HEADERS/).map { String($0.output.1) })
            #expect(sessions.count == 1, "10 concurrent requests shared one HTTP/2 connection (sessions: \(sessions.sorted()))")
        }

        /// A throwaway self-signed certificate for 127.0.0.1: (certificate path, key path).
        private func makeCertificate(in directory: URL) async throws -> (String, String) {
            let certificate = directory.appendingPathComponent("cert.pem").path
            let key = directory.appendingPathComponent("key.pem").path
            let made = try await Subprocess.run(
                .path(FilePath(opensslPath)),
                arguments: [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                ], output: .discarded)
            #expect(made.terminationStatus.isSuccess)
            return (certificate, key)
        }

        /// Runs `body` while the server `executable` runs, then stops the server with SIGKILL and waits for it,
        /// whether `body` returned or threw.
        private func whileRunning<Output: OutputProtocol, Result: Sendable>(
            _ executable: String, _ arguments: [String], output: Output, _ body: () async throws -> Result
        ) async throws -> Result {
            try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), input: .none, output: output, error: .discarded
            ) { execution in
                defer { try? execution.send(signal: .kill) }
                return try await body()
            }.closureResult
        }

        private func waitUntilListening(port: UInt16) async throws {
            for _ in 0..<300 {
                let fd = rawConnect(port: port)
                defer { _ = closeDescriptor(fd) }
                var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&descriptor, 1, 10) > 0, descriptor.revents & Int16(POLLERR | POLLHUP) == 0 { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            Issue.record("openssl s_server did not start listening on \(port)")
        }
    }
}
