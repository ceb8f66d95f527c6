import Synchronization

/// The hand-off between the multi thread, which produces one transfer's head and body bytes, and the
/// tasks awaiting the head in `execute` and iterating the body. One mutex guards every field; waiting
/// continuations are resumed only after it is released.
final class TransferChannel: Sendable {
    /// Outcome of offering a received body chunk.
    enum Delivery {
        /// Taken (buffered or handed to a waiting consumer).
        case accepted
        /// The buffer is full: return CURL_WRITEFUNC_PAUSE; libcurl offers the same bytes again on resume.
        case pause
        /// Nobody will read it: fail the write so the transfer stops.
        case abort
    }

    /// The `execute` call waiting for the head.
    typealias HeadWaiter = CheckedContinuation<HTTPClientResponse, any Error>
    /// A consumer waiting in `next`; unsafe (no per-chunk check allocation) because every path takes it
    /// out of `State` under the lock before resuming it, so it is resumed exactly once.
    typealias BodyWaiter = UnsafeContinuation<Result<[UInt8]?, HTTPClientError>, Never>

    private struct State {
        var headWaiter: HeadWaiter?
        var headDelivered = false
        /// The caller of `execute` or the body's consumer gave up; the transfer is being removed.
        var abandoned = false
        /// Received, not yet consumed; the consumer takes all of it at once.
        var buffer: [UInt8] = []
        /// `deliver` found a consumer waiting and asked the loop for a `handOver`.
        var handOverQueued = false
        var bodyWaiter: BodyWaiter?
        /// Set once by the multi thread when the transfer ended; success means the body is complete.
        var outcome: Result<Void, HTTPClientError>?
        /// Set when the consumer was cancelled or left; iteration throws it from then on.
        var consumerError: HTTPClientError?
        /// The write callback returned CURL_WRITEFUNC_PAUSE and no resume was processed yet.
        var paused = false
        var resumeRequested = false
        /// `wake` was called while no consumer waited: the next `next` without data answers `[]`.
        var wakeRequested = false

        /// Everything buffered, for the consumer; whether the paused transfer must now be resumed.
        mutating func takeBuffer() -> (bytes: [UInt8], mustResume: Bool) {
            var bytes: [UInt8] = []
            swap(&bytes, &buffer)
            guard paused, !resumeRequested else { return (bytes, false) }
            resumeRequested = true
            return (bytes, true)
        }
    }

    let id: UInt64
    /// host[:port], for error messages.
    let host: String
    private let maxBufferedBytes: Int
    private let loop: CurlMultiLoop
    private let state = Mutex(State())

    init(id: UInt64, host: String, maxBufferedBytes: Int, loop: CurlMultiLoop) {
        self.id = id
        self.host = host
        self.maxBufferedBytes = max(0, maxBufferedBytes)
        self.loop = loop
    }

    var isAbandoned: Bool { state.withLock { $0.abandoned } }

    var bufferedBytes: Int { state.withLock { $0.buffer.count } }

    // MARK: - Caller side (any task)

    /// Registers the `execute` continuation; false if `execute` was cancelled already (its cancellation
    /// handler ran first), in which case the transfer must not start.
    func awaitHead(_ continuation: HeadWaiter) -> Bool {
        state.withLock { state in
            guard !state.abandoned else { return false }
            state.headWaiter = continuation
            return true
        }
    }

    /// `execute` was cancelled: fail it with `CancellationError` unless the head already arrived.
    func cancelBeforeHead() {
        let (cancelled, waiter): (Bool, HeadWaiter?) = state.withLock { state in
            guard !state.headDelivered, !state.abandoned else { return (false, nil) }
            state.abandoned = true
            state.consumerError = .cancelled(host: host)
            defer { state.headWaiter = nil }
            return (true, state.headWaiter)
        }
        guard cancelled else { return }
        // No waiter yet means `execute` has not registered; `awaitHead` will see `abandoned`.
        waiter?.resume(throwing: CancellationError())
        loop.cancel(id)
    }

    /// The next body chunk, `nil` at the clean end, or the error that ended the body.
    func nextChunk() async -> Result<[UInt8]?, HTTPClientError> {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                enum Step {
                    case answer(Result<[UInt8]?, HTTPClientError>)
                    case answerAndResume([UInt8])
                    case wait
                }
                let step: Step = state.withLock { state in
                    if let error = state.consumerError { return .answer(.failure(error)) }
                    if !state.buffer.isEmpty {
                        let (bytes, mustResume) = state.takeBuffer()
                        return mustResume ? .answerAndResume(bytes) : .answer(.success(bytes))
                    }
                    switch state.outcome {
                    case .success: return .answer(.success(nil))
                    case .failure(let error): return .answer(.failure(error))
                    case nil:
                        if state.wakeRequested {
                            state.wakeRequested = false
                            return .answer(.success([]))
                        }
                        state.bodyWaiter = continuation
                        return .wait
                    }
                }
                switch step {
                case .answer(let result):
                    continuation.resume(returning: result)
                case .answerAndResume(let bytes):
                    continuation.resume(returning: .success(bytes))
                    loop.resume(id)
                case .wait:
                    break
                }
            }
        } onCancel: {
            abandon()
        }
    }

    /// Makes a waiting `next` (or the next one that would wait) return an empty chunk once.
    func wake() {
        let waiter: BodyWaiter? = state.withLock { state in
            guard let waiter = state.bodyWaiter else {
                if state.outcome == nil, state.consumerError == nil { state.wakeRequested = true }
                return nil
            }
            state.bodyWaiter = nil
            return waiter
        }
        waiter?.resume(returning: .success([]))
    }

    /// The consumer was cancelled or dropped the body: wake a waiting `next`, stop the transfer if it is
    /// still running, and make every later `next` throw `.cancelled`.
    func abandon() {
        let (waiter, stopTransfer): (BodyWaiter?, Bool) = state.withLock { state in
            guard state.consumerError == nil else { return (nil, false) }
            state.consumerError = .cancelled(host: host)
            state.abandoned = true
            state.buffer = []
            defer { state.bodyWaiter = nil }
            return (state.bodyWaiter, state.outcome == nil)
        }
        waiter?.resume(returning: .failure(.cancelled(host: host)))
        if stopTransfer { loop.cancel(id) }
    }

    // MARK: - Multi thread side

    /// Answers `execute` with the final head; the returned body streams from this channel.
    func deliverHead(status: Int, headers: [(name: String, value: String)]) {
        let waiter: HeadWaiter? = state.withLock { state in
            guard !state.headDelivered else { return nil }
            state.headDelivered = true
            defer { state.headWaiter = nil }
            return state.headWaiter
        }
        waiter?.resume(returning: HTTPClientResponse(status: status, headers: headers, body: .init(channel: self)))
    }

    /// Offers bytes from the write callback. They are buffered even when a consumer waits: the loop
    /// calls `handOver` once libcurl is done with the socket they came from, so the consumer gets in
    /// one piece everything that arrived together (a burst of server-sent events in one read comes
    /// through libcurl as one callback per HTTP chunk) and translates and writes it once.
    func deliver(_ bytes: UnsafeRawBufferPointer) -> Delivery {
        guard !bytes.isEmpty else { return .accepted }
        let (delivery, queueHandOver) = state.withLock { state -> (Delivery, Bool) in
            if state.abandoned { return (.abort, false) }
            // A waiting consumer means an empty buffer: that first delivery is always taken.
            if !state.buffer.isEmpty, state.buffer.count >= maxBufferedBytes {
                state.paused = true
                return (.pause, false)
            }
            state.buffer.append(contentsOf: bytes)
            guard state.bodyWaiter != nil, !state.handOverQueued else { return (.accepted, false) }
            state.handOverQueued = true
            return (.accepted, true)
        }
        if queueHandOver { loop.queueHandOver(self) }
        return delivery
    }

    /// Multi thread, once libcurl is done with the socket: gives a waiting consumer everything buffered.
    func handOver() {
        let (waiter, bytes, mustResume) = state.withLock { state -> (BodyWaiter?, [UInt8], Bool) in
            state.handOverQueued = false
            guard let waiter = state.bodyWaiter, !state.buffer.isEmpty else { return (nil, [], false) }
            state.bodyWaiter = nil
            let (bytes, mustResume) = state.takeBuffer()
            return (waiter, bytes, mustResume)
        }
        waiter?.resume(returning: .success(bytes))
        if mustResume { loop.resume(id) }
    }

    /// The multi thread is about to resume the paused transfer.
    func noteResumed() {
        state.withLock { state in
            state.paused = false
            state.resumeRequested = false
        }
    }

    /// Records how the transfer ended and wakes whoever waits: `execute` if the head never came, else a
    /// waiting consumer once the buffered bytes are gone.
    func finish(_ outcome: Result<Void, HTTPClientError>) {
        let (headWaiter, bodyWaiter, unhanded): (HeadWaiter?, BodyWaiter?, [UInt8]?) = state.withLock { state in
            guard state.outcome == nil else { return (nil, nil, nil) }
            state.outcome = outcome
            var headWaiter: HeadWaiter?
            if !state.headDelivered {
                state.headDelivered = true
                headWaiter = state.headWaiter
                state.headWaiter = nil
            }
            let bodyWaiter = state.bodyWaiter
            state.bodyWaiter = nil
            // Bytes still waiting for their hand-over go first; the outcome answers the next call.
            let unhanded = bodyWaiter == nil || state.buffer.isEmpty ? nil : state.takeBuffer().bytes
            return (headWaiter, bodyWaiter, unhanded)
        }
        if let headWaiter {
            switch outcome {
            case .failure(let error): headWaiter.resume(throwing: error)
            // The multi thread delivers the head before finishing successfully; this is a safety net.
            case .success:
                let message = "\(host) ended the exchange without a response head"
                headWaiter.resume(throwing: HTTPClientError(kind: .other, host: host, message: message))
            }
        }
        if let bodyWaiter, let unhanded {
            bodyWaiter.resume(returning: .success(unhanded))
        } else if let bodyWaiter {
            switch outcome {
            case .success: bodyWaiter.resume(returning: .success(nil))
            case .failure(let error): bodyWaiter.resume(returning: .failure(error))
            }
        }
    }
}
