extension CurlHTTPClient {
    /// Settings shared by every request of one client.
    package struct Configuration: Sendable {
        /// Check the server certificate and host name (CURLOPT_SSL_VERIFYPEER/VERIFYHOST).
        package var verifyTLS: Bool
        /// A PEM bundle of trusted CAs instead of the system store (CURLOPT_CAINFO).
        package var caBundlePath: String?
        /// Received but unconsumed body bytes per transfer above which the transfer pauses until the
        /// consumer drains below half; bounds memory when a client reads slower than the upstream sends.
        package var maxBufferedBodyBytes: Int
        /// Idle connections kept open for reuse (CURLMOPT_MAXCONNECTS); at least the expected concurrency.
        package var maxCachedConnections: Int

        package init(
            verifyTLS: Bool = true, caBundlePath: String? = nil, maxBufferedBodyBytes: Int = 1 << 20, maxCachedConnections: Int = 256
        ) {
            self.verifyTLS = verifyTLS
            self.caBundlePath = caBundlePath
            self.maxBufferedBodyBytes = maxBufferedBodyBytes
            self.maxCachedConnections = maxCachedConnections
        }
    }
}
