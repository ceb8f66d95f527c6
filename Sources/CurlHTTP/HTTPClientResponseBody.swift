/// The response body as it streams in: each element is everything received since the previous one, so
/// bytes that arrived together are consumed together, and nothing waits for more to arrive. Single pass. Iteration throws `HTTPClientError`; a body cut short (connection
/// reset, idle timeout, consumer cancelled) always throws and never ends like a complete one.
///
/// Dropping every copy of the body (and its iterators) before the end cancels the transfer and closes
/// its connection, so an abandoned stream stops costing upstream work at once.
package struct HTTPClientResponseBody: AsyncSequence, Sendable {
    package typealias Element = [UInt8]
    package typealias Failure = HTTPClientError

    private let lease: BodyLease

    init(channel: TransferChannel) {
        lease = BodyLease(channel: channel)
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lease: lease)
    }

    /// Bytes received but not yet consumed. Stays near `maxBufferedBodyBytes` at most: beyond it the
    /// transfer pauses until the consumer catches up.
    package var bufferedByteCount: Int { lease.channel.bufferedBytes }

    /// Any task: the consumer's pending `next()` — or its next one that finds no data — returns an empty
    /// chunk once instead of waiting. A consumer waiting on a slow stream can so react to something else
    /// (send a keep-alive, stop at a deadline) from the same task, without a second task and a merged
    /// stream in between. Empty chunks mean only this; received data is never empty.
    package func wake() {
        lease.channel.wake()
    }

    /// The whole body, or `.responseTooLarge` (and the transfer cancelled) once it exceeds `maxBytes`.
    package func collect(upTo maxBytes: Int) async throws -> [UInt8] {
        var collected: [UInt8] = []
        for try await chunk in self {
            guard chunk.count <= maxBytes - collected.count else {
                lease.channel.abandon()
                throw HTTPClientError.responseTooLarge(host: lease.channel.host, limit: maxBytes)
            }
            if collected.isEmpty {
                collected = chunk
            } else {
                collected.append(contentsOf: chunk)
            }
        }
        return collected
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let lease: BodyLease

        package mutating func next() async throws(HTTPClientError) -> [UInt8]? {
            try await lease.channel.nextChunk().get()
        }

        package mutating func next(isolation actor: isolated (any Actor)?) async throws(HTTPClientError) -> [UInt8]? {
            try await lease.channel.nextChunk().get()
        }
    }
}

/// Shared by a body and its iterators: when the last of them goes away, a transfer that has not ended
/// is cancelled. The multi thread holds the channel, never the lease, so it does not keep this alive.
private final class BodyLease: Sendable {
    let channel: TransferChannel

    init(channel: TransferChannel) {
        self.channel = channel
    }

    deinit {
        channel.abandon()
    }
}
