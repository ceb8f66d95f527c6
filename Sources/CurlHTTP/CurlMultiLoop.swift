import CCurl
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Drives every transfer of one client on a single dedicated thread around one libcurl multi handle
/// (shared connection cache, HTTP/2 multiplexing), so concurrency costs no thread per request.
///
/// libcurl's socket-action API runs the loop: libcurl says which sockets to watch and when its next
/// timer fires, an epoll set (`SocketWatcher`) waits, and each ready socket advances only its own
/// transfers — the cost of a wake-up does not grow with the number of open streams.
///
/// Tasks talk to the thread only through a locked inbox of commands plus the watcher's wake-up. That is
/// what makes `@unchecked Sendable` safe: `multi`, `transfers`, the timers and the watcher's sets are
/// only touched on the loop thread.
final class CurlMultiLoop: @unchecked Sendable {
    enum Command {
        case add(CurlTransfer)
        /// The transfer's channel was abandoned: remove it, which closes its unfinished connection.
        case cancel(UInt64)
        /// The consumer drained a paused transfer's buffer below half.
        case resume(UInt64)
    }

    private struct Inbox {
        var commands: [Command] = []
        var stopping = false
        var joinClaimed = false
    }

    /// Longest wait when no timeout is near; commands and socket activity wake the thread earlier.
    private static let maxWaitMilliseconds = 1000

    private let multi: UnsafeMutableRawPointer
    private let watcher: SocketWatcher
    private let inbox = Mutex(Inbox())
    private let transferIDs = Atomic<UInt64>(0)
    /// Written once in `init`, before the loop is shared; read by `shutdown`.
    private var thread = pthread_t()

    // Loop thread only.
    private var transfers: [UInt64: CurlTransfer] = [:]
    private var nextDeadlineCheck: ContinuousClock.Instant?
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` (CURLMOPT_TIMERFUNCTION).
    private var curlTimer: ContinuousClock.Instant?
    /// Channels that received bytes for a waiting consumer since the last hand-over (`queueHandOver`).
    private var pendingHandOvers: [TransferChannel] = []

    /// Creates the multi handle and starts its thread. libcurl failing to initialise (out of memory, TLS
    /// library broken) leaves no way to make requests at all, so that stops the process.
    /// - Parameter maxCachedConnections: idle connections kept for reuse. libcurl's default is four per
    ///   transfer running at that moment, so the cache shrinks between bursts (finished transfers leave
    ///   before new ones arrive) and a burst after a quiet spell reconnects — a TCP and TLS handshake per
    ///   request — instead of reusing.
    init(maxCachedConnections: Int) {
        guard CurlProcess.initialise() else { fatalError("curl_global_init failed") }
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed") }
        guard let watcher = SocketWatcher() else { fatalError("could not create an epoll set") }
        self.multi = multi
        self.watcher = watcher
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxCachedConnections)
        installSocketCallbacks()
        // The thread owns a strong reference until `run` returns.
        guard let started = Self.startThread(Unmanaged.passRetained(self)) else {
            fatalError("could not start the libcurl thread")
        }
        thread = started
    }

    func makeTransferID() -> UInt64 {
        transferIDs.add(1, ordering: .relaxed).newValue
    }

    // MARK: - Commands (any thread)

    /// Queues `transfer`; false once the loop shut down, in which case the caller fails it.
    func add(_ transfer: CurlTransfer) -> Bool { submit(.add(transfer)) }

    func cancel(_ id: UInt64) { _ = submit(.cancel(id)) }

    func resume(_ id: UInt64) { _ = submit(.resume(id)) }

    private func submit(_ command: Command) -> Bool {
        let (accepted, mustWake) = inbox.withLock { inbox in
            guard !inbox.stopping else { return (false, false) }
            inbox.commands.append(command)
            // One wakeup per batch: the loop drains everything queued before it sleeps again.
            return (true, inbox.commands.count == 1)
        }
        // After unlocking: the woken loop thread takes the lock at once, and on a busy core it would
        // otherwise spin on a lock held across this system call.
        if mustWake { watcher.wake() }
        return accepted
    }

    /// Fails every transfer with `.cancelled`, stops the thread and frees the multi handle. The first
    /// caller waits for the thread to end; later calls return at once.
    func shutdown() {
        let mustJoin = inbox.withLock { inbox in
            if !inbox.stopping {
                inbox.stopping = true
                watcher.wake()
            }
            defer { inbox.joinClaimed = true }
            return !inbox.joinClaimed
        }
        guard mustJoin, pthread_equal(pthread_self(), thread) == 0 else { return }
        _ = pthread_join(thread, nil)
    }

    // MARK: - The loop (loop thread)

    /// `channel`'s consumer waits and bytes came: hand them over once libcurl is done with the current
    /// socket (or command, or timer), with whatever else that brings.
    func queueHandOver(_ channel: TransferChannel) {
        pendingHandOvers.append(channel)
    }

    private func handOverReceivedBytes() {
        guard !pendingHandOvers.isEmpty else { return }
        for channel in pendingHandOvers { channel.handOver() }
        pendingHandOvers.removeAll(keepingCapacity: true)
    }

    private func installSocketCallbacks() {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context)
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context)
        _ = ccurl_multi_setopt_socket_callback(multi) { _, socket, interest, context, _ in
            let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeUnretainedValue()
            loop.watcher.update(socket: socket, curlInterest: interest)
            return 0
        }
        _ = ccurl_multi_setopt_timer_callback(multi) { _, milliseconds, context in
            let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeUnretainedValue()
            loop.curlTimer = milliseconds < 0 ? nil : .now + .milliseconds(milliseconds)
            return 0
        }
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (commands, stopping) = inbox.withLock { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                return (inbox.commands, inbox.stopping)
            }
            if stopping {
                tearDown(unhandled: commands)
                return
            }
            for command in commands { handle(command) }
            let now = ContinuousClock.now
            if let timer = curlTimer, now >= timer {
                curlTimer = nil
                _ = curl_multi_socket_action(multi, CURL_SOCKET_BAD, 0, &running)
            }
            completeFinishedTransfers()
            if let check = nextDeadlineCheck, now >= check { expireTimedOutTransfers(at: now) }
            handOverReceivedBytes()
            watcher.wait(milliseconds: Int32(waitMilliseconds(from: now))) { ready in
                _ = curl_multi_socket_action(multi, ready.socket, ready.curlBits, &running)
                // Per socket, not per batch of ready sockets: a stream's consumer should not wait
                // for the other sockets' transfers to be read.
                handOverReceivedBytes()
            }
        }
    }

    private func handle(_ command: Command) {
        switch command {
        case .add(let transfer):
            // The caller may have given up between queueing and now.
            if transfer.channel.isAbandoned {
                transfer.channel.finish(.failure(.cancelled(host: transfer.channel.host)))
                return
            }
            guard curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else {
                let host = transfer.channel.host
                transfer.channel.finish(
                    .failure(
                        HTTPClientError(
                            kind: .other, host: host, message: "libcurl could not start the request to \(host)")))
                return
            }
            transfers[transfer.channel.id] = transfer
            transfer.start { [unowned self] deadline in self.scheduleDeadlineCheck(at: deadline) }
        case .cancel(let id):
            guard let transfer = transfers[id] else { return }
            remove(transfer, outcome: .failure(.cancelled(host: transfer.channel.host)))
        case .resume(let id):
            transfers[id]?.resume()
        }
    }

    private func completeFinishedTransfers() {
        var easy: UnsafeMutableRawPointer?
        var code = CURLE_OK
        while ccurl_multi_next_done(multi, &easy, &code), let easy {
            var pointer: UnsafeMutableRawPointer?
            guard ccurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &pointer) == CURLE_OK, let pointer else {
                continue
            }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(pointer).takeUnretainedValue()
            _ = curl_multi_remove_handle(multi, easy)
            transfers[transfer.channel.id] = nil
            transfer.complete(with: code)
        }
    }

    /// Removes an unfinished transfer (libcurl then closes its connection) and settles its channel.
    private func remove(_ transfer: CurlTransfer, outcome: Result<Void, HTTPClientError>) {
        _ = curl_multi_remove_handle(multi, transfer.easy)
        transfers[transfer.channel.id] = nil
        transfer.channel.finish(outcome)
    }

    // MARK: - First-byte and idle timeouts

    private func scheduleDeadlineCheck(at deadline: ContinuousClock.Instant) {
        if let current = nextDeadlineCheck, current <= deadline { return }
        nextDeadlineCheck = deadline
    }

    /// Fails transfers whose first-byte or idle timeout ran out and finds the next deadline. Activity only
    /// moves deadlines later, so scanning at the earliest known one is enough.
    private func expireTimedOutTransfers(at now: ContinuousClock.Instant) {
        nextDeadlineCheck = nil
        var expired: [(CurlTransfer, HTTPClientError.TimeoutKind)] = []
        for transfer in transfers.values {
            if let kind = transfer.expiredTimeout(at: now) {
                expired.append((transfer, kind))
            } else if let deadline = transfer.deadline {
                scheduleDeadlineCheck(at: deadline)
            }
        }
        for (transfer, kind) in expired {
            let error = HTTPClientError.timeout(kind, host: transfer.channel.host, after: transfer.limit(of: kind))
            remove(transfer, outcome: .failure(error))
        }
    }

    /// Until the earlier of our next deadline check and libcurl's timer, capped.
    private func waitMilliseconds(from now: ContinuousClock.Instant) -> Int {
        let next: ContinuousClock.Instant
        switch (nextDeadlineCheck, curlTimer) {
        case (nil, nil): return Self.maxWaitMilliseconds
        case (let check?, nil): next = check
        case (nil, let timer?): next = timer
        case (let check?, let timer?): next = min(check, timer)
        }
        guard next > now else { return 0 }
        return min(Self.maxWaitMilliseconds, (next - now).roundedUpMilliseconds)
    }

    // MARK: - Shutdown

    /// Fails every transfer, running or still queued, and frees the multi handle. `stopping` is set, so
    /// nothing more can be queued.
    private func tearDown(unhandled: [Command]) {
        for transfer in Array(transfers.values) {
            remove(transfer, outcome: .failure(.shutDown(host: transfer.channel.host)))
        }
        for case .add(let transfer) in unhandled {
            transfer.channel.finish(.failure(.shutDown(host: transfer.channel.host)))
        }
        curl_multi_cleanup(multi)
    }

    // MARK: - Thread

    private static func startThread(_ loop: Unmanaged<CurlMultiLoop>) -> pthread_t? {
        #if canImport(Darwin)
            var thread: pthread_t?
        #else
            var thread = pthread_t()
        #endif
        let result = pthread_create(
            &thread, nil,
            { argument in
                let pointer: UnsafeMutableRawPointer? = argument
                let loop = Unmanaged<CurlMultiLoop>.fromOpaque(pointer!).takeRetainedValue()
                #if os(Linux)
                    // Named for `top -H` and profiles; it would inherit its creator's name otherwise.
                    ccurl_name_current_thread("curl-multi")
                #endif
                loop.run()
                return nil
            }, loop.toOpaque())
        guard result == 0 else {
            loop.release()
            return nil
        }
        return thread
    }
}
