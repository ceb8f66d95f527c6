import ProxyCore
import Testing

@Suite("Graceful shutdown", .timeLimit(.minutes(1)))
struct ShutdownTests {
    @Test("on shutdown a stream in flight may go on for the grace period, then ends with an error event")
    func streamEndsWithErrorAfterGracePeriod() async throws {
        try await ProxyHarness.run(settings: { $0.server.shutdownGracePeriod = .milliseconds(300) }) { harness in
            let pieces = (0..<100).map { "piece\($0) " }
            harness.upstream.script(.stream(events: MockUpstream.streamedText(pieces), delay: .milliseconds(100)))
            let (status, events, elapsed) = try await Self.streamThroughShutdown(harness)
            #expect(status == 200)
            #expect(elapsed < .seconds(5), "the 10 s stream was ended after the 0.3 s grace period")
            let text = events.compactMap { $0.data["delta"]?["text"]?.stringValue }.joined()
            #expect(text.hasPrefix("piece0 piece1 "), "the stream went on during the grace period")
            #expect(events.last?.name == "error")
            #expect(events.last?.data["error"]?["type"] == "overloaded_error")
            #expect(!events.contains { $0.name == "message_stop" })
        }
    }

    @Test("on shutdown a stream whose upstream went silent ends with an error event after the grace period")
    func silentStreamEndsAfterGracePeriod() async throws {
        try await ProxyHarness.run(settings: { $0.server.shutdownGracePeriod = .milliseconds(300) }) { harness in
            harness.upstream.script(.streamThenSilence(events: Array(MockUpstream.streamedText(["Hel"], usage: nil).dropLast())))
            let (status, events, elapsed) = try await Self.streamThroughShutdown(harness)
            #expect(status == 200)
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(5))
            #expect(events.compactMap { $0.data["delta"]?["text"]?.stringValue }.joined() == "Hel")
            #expect(events.last?.data["error"]?["type"] == "overloaded_error")
        }
    }

    /// Starts a stream, shuts the proxy down 300 ms after the upstream got the request, and returns the
    /// stream as the client saw it and how long it lasted after the shutdown began.
    static func streamThroughShutdown(
        _ harness: ProxyHarness
    ) async throws -> (status: Int, events: [(name: String, data: JSONValue)], elapsed: Duration) {
        let request: JSONValue = [
            "model": "claude-3-haiku", "max_tokens": 200, "stream": true, "messages": [["role": "user", "content": "x"]],
        ]
        let streaming = Task { try await harness.stream(json: request) }
        for _ in 0..<200 where harness.upstream.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(300))
        let shutdownStarted = ContinuousClock.now
        await harness.shutDownProxy()
        let (status, events) = try await streaming.value
        return (status, events, ContinuousClock.now - shutdownStarted)
    }
}
