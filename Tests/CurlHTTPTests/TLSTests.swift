import CurlHTTP
import Foundation
import Testing

private let opensslPath = "/usr/bin/openssl"

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
            let certificate = directory.appendingPathComponent("cert.pem").path
            let key = directory.appendingPathComponent("key.pem").path
            try run([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ]).waitUntilExit()

            let port = unusedPort()
            let server = try run([
                "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-www",
            ])
            defer { server.terminate() }
            try await waitUntilListening(port: port)
            let url = "https://127.0.0.1:\(port)/"

            let strict = CurlHTTPClient()
            defer { strict.shutdown() }
            let untrusted = await #expect(throws: HTTPClientError.self) { try await strict.execute(.init(url: url)) }
            #expect(untrusted?.kind == .tlsFailure)
            #expect(untrusted?.host == "127.0.0.1:\(port)")

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

        private func run(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opensslPath)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
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
