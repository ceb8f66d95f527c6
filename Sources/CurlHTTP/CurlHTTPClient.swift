/// An async HTTP client on libcurl for talking to upstream servers: one multi handle on one thread,
/// connection reuse, HTTP/2 over TLS, streamed bodies with backpressure, and timeouts that say which
/// limit ran out. It knows nothing about what it carries.
///
/// Keep the client alive while responses are in use: it shuts down (cancelling every transfer) when the
/// last reference goes away.
package final class CurlHTTPClient: Sendable {
    private let configuration: Configuration
    private let loop: CurlMultiLoop

    package init(configuration: Configuration = .init()) {
        self.configuration = configuration
        loop = CurlMultiLoop(maxCachedConnections: configuration.maxCachedConnections)
    }

    deinit {
        loop.shutdown()
    }

    /// Returns once the response head (status + headers) arrived; the body streams afterwards.
    ///
    /// Throws `HTTPClientError` for failures before the head, or `CancellationError` when the calling task
    /// is cancelled first (the transfer is then removed and its connection closed).
    package func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let target = try RequestTarget(url: request.url)
        let channel = TransferChannel(
            id: loop.makeTransferID(), host: target.hostLabel,
            maxBufferedBytes: configuration.maxBufferedBodyBytes, loop: loop)
        let transfer = try CurlTransfer(
            request: request, target: target, configuration: configuration, channel: channel)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // The cancellation handler runs first when the task is already cancelled.
                guard channel.awaitHead(continuation) else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                if !loop.add(transfer) {
                    channel.finish(.failure(.shutDown(host: target.hostLabel)))
                }
            }
        } onCancel: {
            channel.cancelBeforeHead()
        }
    }

    /// Aborts all transfers, stops the thread and frees the multi handle. Idempotent.
    package func shutdown() {
        loop.shutdown()
    }
}
