import CCurl

extension HTTPClientError {
    /// Sorts a libcurl result into a `Kind` and phrases it around the host.
    ///
    /// - Parameters:
    ///   - connected: whether the connection (including TLS) was established, which tells libcurl's single
    ///     CURLE_OPERATION_TIMEDOUT apart into a connect or a total timeout.
    ///   - detail: libcurl's error buffer for this transfer; it names hosts and TLS problems, never headers.
    init(curlCode code: CURLcode, host: String, timeouts: HTTPClientTimeouts, connected: Bool, detail: String) {
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST:
            self.init(kind: .dnsFailure, host: host, message: "could not resolve the host name of \(host)")
        case CURLE_COULDNT_RESOLVE_PROXY:
            self.init(kind: .dnsFailure, host: host, message: "could not resolve the proxy for \(host): \(reason)")
        case CURLE_COULDNT_CONNECT:
            self.init(kind: .connectionRefused, host: host, message: "connection refused by \(host)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT:
            self.init(kind: .tlsFailure, host: host, message: "TLS with \(host) failed: \(reason)")
        case CURLE_OPERATION_TIMEDOUT:
            let which = Self.timeoutKind(timeouts, connected: connected)
            self = .timeout(which, host: host, after: which == .connect ? timeouts.connect : timeouts.total)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_HTTP2_STREAM:
            self.init(
                kind: .connectionReset, host: host,
                message: "the connection to \(host) broke before the response was complete: \(reason)")
        default:
            self.init(
                kind: .other, host: host,
                message: "the request to \(host) failed: \(reason) (curl error \(code.rawValue))")
        }
    }

    /// libcurl reports both limits as CURLE_OPERATION_TIMEDOUT; before the connection stands, the one that
    /// ran out is whichever is shorter.
    private static func timeoutKind(_ timeouts: HTTPClientTimeouts, connected: Bool) -> TimeoutKind {
        guard !connected else { return .total }
        guard let total = timeouts.total else { return .connect }
        let connect = timeouts.connect ?? .seconds(300)
        return connect <= total ? .connect : .total
    }
}
