import CCurl

/// One request's easy handle and the libcurl-side state of its exchange: the head being parsed, the
/// pause state and the clocks behind the first-byte and idle timeouts.
///
/// `@unchecked Sendable` because it crosses threads exactly once: the calling task builds it and hands it
/// to the multi thread through the loop's locked inbox. From then on only the multi thread touches it,
/// and libcurl runs its callbacks on that thread too.
final class CurlTransfer: @unchecked Sendable {
    let channel: TransferChannel
    let easy: UnsafeMutableRawPointer
    let timeouts: HTTPClientTimeouts
    /// The request headers; libcurl reads them until the handle is cleaned up.
    var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl writes a detailed message here when a transfer fails (CURLOPT_ERRORBUFFER).
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// The request body libcurl sends (CURLOPT_POSTFIELDS, not copied); freed when the response head
    /// arrives with all of it sent, so a long stream does not keep it.
    var uploadBody: UnsafeMutableRawBufferPointer?

    private var head = ResponseHeadParser()
    private var headDelivered = false
    /// The write callback paused the transfer and no resume was processed yet; idle time does not count.
    private var isPaused = false
    private var startedAt = ContinuousClock.now
    private var lastActivity = ContinuousClock.now
    /// Tells the loop when one of this transfer's deadlines moved earlier than any it knew of.
    private var scheduleCheck: (ContinuousClock.Instant) -> Void = { _ in }

    init(
        request: HTTPClientRequest,
        target: RequestTarget,
        configuration: CurlHTTPClient.Configuration,
        channel: TransferChannel
    ) throws(HTTPClientError) {
        guard let easy = curl_easy_init() else {
            throw HTTPClientError(
                kind: .other, host: target.hostLabel,
                message: "libcurl could not create a transfer for \(target.hostLabel)")
        }
        self.easy = easy
        self.channel = channel
        self.timeouts = request.timeouts
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // Throwing from here on still runs deinit, which frees the handle, the list and the buffer.
        try configure(request: request, target: target, configuration: configuration)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
        uploadBody?.deallocate()
    }

    /// The transfer joined the multi handle: its clocks start now.
    func start(scheduleCheck: @escaping (ContinuousClock.Instant) -> Void) {
        self.scheduleCheck = scheduleCheck
        startedAt = .now
        lastActivity = startedAt
        if let deadline { scheduleCheck(deadline) }
    }

    // MARK: - Timeouts libcurl cannot express

    /// When the first-byte or idle timeout would run out, if one is armed.
    var deadline: ContinuousClock.Instant? {
        if !headDelivered { return timeouts.firstByte.map { startedAt + $0 } }
        if isPaused { return nil }
        return timeouts.idle.map { lastActivity + $0 }
    }

    /// The timeout that ran out by `now`, if any.
    func expiredTimeout(at now: ContinuousClock.Instant) -> HTTPClientError.TimeoutKind? {
        guard let deadline, now >= deadline else { return nil }
        return headDelivered ? .idle : .firstByte
    }

    /// The limit behind `kind`, for the error message.
    func limit(of kind: HTTPClientError.TimeoutKind) -> Duration? {
        switch kind {
        case .connect: timeouts.connect
        case .firstByte: timeouts.firstByte
        case .idle: timeouts.idle
        case .total: timeouts.total
        }
    }

    // MARK: - Flow control

    /// Continues a transfer the write callback paused; libcurl may re-deliver the held-back bytes (and
    /// call the write callback) before this returns.
    func resume() {
        guard isPaused else { return }
        channel.noteResumed()
        isPaused = false
        lastActivity = .now
        if let deadline { scheduleCheck(deadline) }
        _ = ccurl_easy_unpause(easy)
    }

    // MARK: - Completion

    /// The transfer left the multi handle with `code`: settle the head and the body.
    func complete(with code: CURLcode) {
        guard code == CURLE_OK else {
            var pretransfer: curl_off_t = 0
            _ = ccurl_easy_getinfo_off_t(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer)
            let error = HTTPClientError(
                curlCode: code, host: channel.host, timeouts: timeouts, connected: pretransfer > 0,
                detail: String(cString: errorBuffer))
            channel.finish(.failure(error))
            return
        }
        if !headDelivered { deliverHeadFromInfo() }
        channel.finish(.success(()))
    }

    // MARK: - libcurl callbacks (multi thread)

    /// CURLOPT_HEADERFUNCTION: one header line, status line or the blank line ending a head.
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) -> Int {
        if !headDelivered, head.consume(line) == .finalHead, let status = head.status {
            deliverHead(status: status, headers: head.headers)
        }
        return line.count
    }

    /// CURLOPT_WRITEFUNCTION: body bytes, passed on or refused while the consumer is behind.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if !headDelivered { deliverHeadFromInfo() }
        if timeouts.idle != nil { lastActivity = .now }
        switch channel.deliver(bytes) {
        case .accepted:
            return bytes.count
        case .pause:
            isPaused = true
            return ccurl_writefunc_pause()
        case .abort:
            return 0
        }
    }

    /// A body or the end came without a blank line ending the head (e.g. HTTP/0.9); ask libcurl.
    private func deliverHeadFromInfo() {
        var code = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        deliverHead(status: head.status ?? code, headers: head.headers)
    }

    private func deliverHead(status: Int, headers: [(name: String, value: String)]) {
        headDelivered = true
        releaseSentBody()
        lastActivity = .now
        if let deadline { scheduleCheck(deadline) }
        channel.deliverHead(status: status, headers: headers)
    }

    /// Frees the request body once the response head is here and libcurl has sent all of it: it will not
    /// read it again (a retry on a fresh connection happens only before any response byte). A server that
    /// answers before reading the whole body keeps it until the transfer ends.
    private func releaseSentBody() {
        guard let body = uploadBody else { return }
        var sent: curl_off_t = 0
        guard ccurl_easy_getinfo_off_t(easy, CURLINFO_SIZE_UPLOAD_T, &sent) == CURLE_OK, sent >= body.count else { return }
        body.deallocate()
        uploadBody = nil
    }
}
