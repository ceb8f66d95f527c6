import Foundation
import Testing

/// `serve` sizes its event loops to the CPUs it may use, or to `server.threads`.
@Suite("serve's threads", .timeLimit(.minutes(1)))
struct ServerThreadsTests {
    static func debugConfig(threads: Int?) -> String {
        "server: { log_level: debug\(threads.map { ", threads: \($0)" } ?? "") }\n" + ServeExitTests.localConfig
    }

    @Test("under taskset -c 0 (one CPU in the affinity mask) it runs one loop thread")
    func affinityMask() async throws {
        let (status, output) = try await ServeExitTests.serve(
            config: Self.debugConfig(threads: nil), launcher: ["/usr/bin/taskset", "-c", "0"], signal: SIGTERM, after: .milliseconds(300))
        #expect(output.contains("1 event-loop thread(s), one per usable CPU"), "\(output)")
        #expect(status == 0, "\(output)")
    }

    @Test("server.threads overrides the count")
    func configured() async throws {
        let (status, output) = try await ServeExitTests.serve(
            config: Self.debugConfig(threads: 3), signal: SIGTERM, after: .milliseconds(300))
        #expect(output.contains("3 event-loop thread(s) (server.threads)"), "\(output)")
        #expect(status == 0, "\(output)")
    }
}
