/// What one benchmarked client must do: send the scenario's request and read the whole body.
protocol BenchClient: Sendable {
    var name: String { get }
    /// One complete exchange; returns the number of body bytes read (checked by the caller).
    func exchange(_ scenario: Scenario) async throws -> Int
    func shutdown() async throws
}

enum Scenario: String, CaseIterable, Sendable {
    /// POST, ~300-byte JSON answer with Content-Length, read with `collect(upTo:)`.
    case small
    /// POST with `Accept: text/event-stream`, 50 chunked SSE events, read chunk by chunk.
    case sse
    /// As `sse`, but the server sends one event every 20 ms (a generating model): what it measures is the
    /// client's CPU per stream while many streams are open and mostly idle.
    case paced

    var requestBody: [UInt8] {
        switch self {
        case .small: Fixtures.requestBody
        case .sse, .paced: Fixtures.streamingRequestBody
        }
    }

    var accept: String {
        switch self {
        case .small: "application/json"
        case .sse, .paced: "text/event-stream"
        }
    }

    var expectedBytes: Int {
        switch self {
        case .small: Fixtures.completion.count
        case .sse, .paced: Fixtures.streamBytes
        }
    }

    /// The same headers for both clients, in the same order (each client adds Host and Content-Length).
    var headers: [(name: String, value: String)] {
        [
            ("content-type", "application/json"),
            ("accept", accept),
            ("authorization", "Bearer sk-bench-0000000000000000000000000000"),
            ("user-agent", "claude-code-proxy-bench"),
        ] + (self == .paced ? [(Fixtures.paceHeader, String(Fixtures.paceMilliseconds))] : [])
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
}
