import NIOCore

/// Cancels work the moment the client's connection closes.
///
/// Hummingbird notices a departed client only at its next write; a request still waiting for a slow
/// upstream would keep a paid generation (or a local GPU) busy for nothing. The channel's close future
/// ends an `AsyncStream`, which a sibling task waits on.
enum ClientDisconnect {
    struct Disconnected: Error {}

    /// Runs `operation`, cancelling it and throwing `Disconnected` if the client's channel closes first.
    static func cancelling<T: Sendable>(on channel: any Channel, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let closed = closeSignal(of: channel)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                for await _ in closed {}
                if Task.isCancelled { return nil }
                throw Disconnected()
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }

    /// A stream that ends when the channel closes (at once if it already has).
    static func closeSignal(of channel: any Channel) -> AsyncStream<Never> {
        let (stream, continuation) = AsyncStream<Never>.makeStream()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return stream
    }
}
