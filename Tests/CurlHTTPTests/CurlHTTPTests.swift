import CurlHTTP
import Testing

/// Parent of every client suite. Serialized because several tests measure latencies in the tens of
/// milliseconds on a 2-core machine; the time limit is a backstop, each wait has its own timeout.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct CurlHTTPTests {}

/// A client with the settings a test needs; shut down by the test's `defer`.
func makeClient(maxBufferedBodyBytes: Int = 1 << 20) -> CurlHTTPClient {
    CurlHTTPClient(configuration: .init(maxBufferedBodyBytes: maxBufferedBodyBytes))
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Reads the body chunk by chunk, returning what arrived and the error that ended it, if any.
func drain(_ body: HTTPClientResponseBody) async -> (chunks: [[UInt8]], error: HTTPClientError?) {
    var chunks: [[UInt8]] = []
    do {
        for try await chunk in body { chunks.append(chunk) }
        return (chunks, nil)
    } catch {
        return (chunks, error)
    }
}
