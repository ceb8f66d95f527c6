/// Time limits for one request, each surfacing as its own `HTTPClientError.TimeoutKind` so callers can
/// tell a dead upstream from a slow model.
package struct HTTPClientTimeouts: Sendable, Equatable {
    /// TCP and TLS connection set-up (libcurl also counts name resolution here). `nil` leaves libcurl's
    /// built-in 300 s limit in place.
    package var connect: Duration?
    /// From the start of the request until the response head arrives; `nil` means no limit.
    package var firstByte: Duration?
    /// Longest silence after the head arrived; time spent paused because the consumer is slow does not
    /// count. `nil` means no limit.
    package var idle: Duration?
    /// Overall cap for the whole exchange; `nil` means a stream that keeps sending is never cut.
    package var total: Duration?

    package init(
        connect: Duration? = .seconds(10),
        firstByte: Duration? = nil,
        idle: Duration? = nil,
        total: Duration? = nil
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so a limit is never shortened and never becomes 0 ("no limit" in
    /// libcurl).
    var roundedUpMilliseconds: Int {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 1 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let fraction = (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow || product > Int64(Int.max / 2) { return Int.max / 2 }
        return max(1, Int(product + fraction))
    }
}
