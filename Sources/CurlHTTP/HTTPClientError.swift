/// Why an upstream exchange failed, sorted into the few cases a proxy reacts to differently (retry,
/// fall back, report a gateway timeout), with one sentence fit for a log line or an error response.
package struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which limit of `HTTPClientTimeouts` ran out.
    package enum TimeoutKind: Sendable, Equatable {
        case connect, firstByte, idle, total
    }

    package enum Kind: Sendable, Equatable {
        case dnsFailure
        case connectionRefused
        case tlsFailure
        case timeout(TimeoutKind)
        /// The connection broke or the server hung up before the response was complete.
        case connectionReset
        /// `collect(upTo:)` saw more bytes than allowed.
        case responseTooLarge
        /// The consumer was cancelled, dropped the body, or the client was shut down.
        case cancelled
        /// The request could not be expressed (bad URL, method or header).
        case invalidRequest
        case other
    }

    package var kind: Kind
    /// host[:port] of the request URL.
    package var host: String
    /// One sentence naming the host; never contains header values (they may hold API keys) or the URL's
    /// path and query (they may too).
    package var message: String

    package var description: String { message }

    package init(kind: Kind, host: String, message: String) {
        self.kind = kind
        self.host = host
        self.message = message
    }
}

extension HTTPClientError {
    static func cancelled(host: String) -> HTTPClientError {
        HTTPClientError(kind: .cancelled, host: host, message: "the request to \(host) was cancelled")
    }

    static func shutDown(host: String) -> HTTPClientError {
        HTTPClientError(
            kind: .cancelled, host: host,
            message: "the request to \(host) was cancelled because the HTTP client shut down")
    }

    static func responseTooLarge(host: String, limit: Int) -> HTTPClientError {
        HTTPClientError(
            kind: .responseTooLarge, host: host,
            message: "the response from \(host) is larger than the \(limit)-byte limit")
    }

    static func invalidRequest(host: String, _ reason: String) -> HTTPClientError {
        HTTPClientError(kind: .invalidRequest, host: host, message: "invalid request: \(reason)")
    }

    static func timeout(_ kind: TimeoutKind, host: String, after limit: Duration?) -> HTTPClientError {
        let limitText = limit.map { " of \($0.roundedUpMilliseconds) ms" } ?? ""
        let message: String
        switch kind {
        case .connect: message = "connecting to \(host) exceeded the connect timeout\(limitText)"
        case .firstByte: message = "\(host) sent no response head within the first-byte timeout\(limitText)"
        case .idle: message = "\(host) went silent mid-response for longer than the idle timeout\(limitText)"
        case .total: message = "the request to \(host) exceeded the total timeout\(limitText)"
        }
        return HTTPClientError(kind: .timeout(kind), host: host, message: message)
    }
}
