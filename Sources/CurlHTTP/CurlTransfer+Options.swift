import CCurl

extension CurlTransfer {
    /// Translates the request and client configuration into easy-handle options.
    func configure(
        request: HTTPClientRequest,
        target: RequestTarget,
        configuration: CurlHTTPClient.Configuration
    ) throws(HTTPClientError) {
        let host = target.hostLabel
        func check(_ code: CURLcode, _ what: String) throws(HTTPClientError) {
            guard code == CURLE_OK else {
                let reason = String(cString: curl_easy_strerror(code))
                throw HTTPClientError(
                    kind: .invalidRequest, host: host,
                    message: "invalid request to \(host): libcurl rejected the \(what) (\(reason))")
            }
        }
        func set(_ option: CURLoption, _ value: Int, _ what: String) throws(HTTPClientError) {
            try check(ccurl_easy_setopt_long(easy, option, value), what)
        }

        try check(ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url), "URL")
        try check(ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols")
        // libcurl must not use signals (timeouts would otherwise use SIGALRM across threads).
        try set(CURLOPT_NOSIGNAL, 1, "signal setting")
        // https negotiates HTTP/2 through ALPN; plain http stays on HTTP/1.1 because h2c with parallel
        // transfers is broken in libcurl 7.88.
        if target.isHTTPS {
            try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS), "HTTP version")
            // Wait for an HTTP/2 connection in progress rather than opening a parallel one.
            try set(CURLOPT_PIPEWAIT, 1, "multiplexing setting")
        } else {
            try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1), "HTTP version")
        }
        // A CONNECT reply from an HTTPS_PROXY must not be mistaken for the response head.
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1, "proxy header setting")

        if let size = request.receiveBufferSize {
            try set(CURLOPT_BUFFERSIZE, size, "receive buffer size")
        }
        try setTimeouts(request.timeouts, set)
        try setTLS(configuration, check, set)
        try setMethodAndBody(request, host: host, check, set)
        try setHeaders(request, host: host, check)

        let this = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, this), "private pointer")
        try check(
            ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)), "error buffer")
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, this), "header callback data")
        try check(
            ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, userdata in
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
                return transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            }, "header callback")
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, this), "write callback data")
        try check(
            ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, userdata in
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            }, "write callback")
    }

    /// Connect and total map onto libcurl; first-byte and idle are watched by the multi thread.
    private func setTimeouts(
        _ timeouts: HTTPClientTimeouts, _ set: (CURLoption, Int, String) throws(HTTPClientError) -> Void
    ) throws(HTTPClientError) {
        if let connect = timeouts.connect {
            try set(CURLOPT_CONNECTTIMEOUT_MS, connect.roundedUpMilliseconds, "connect timeout")
        }
        if let total = timeouts.total {
            try set(CURLOPT_TIMEOUT_MS, total.roundedUpMilliseconds, "total timeout")
        }
    }

    private func setTLS(
        _ configuration: CurlHTTPClient.Configuration,
        _ check: (CURLcode, String) throws(HTTPClientError) -> Void,
        _ set: (CURLoption, Int, String) throws(HTTPClientError) -> Void
    ) throws(HTTPClientError) {
        if !configuration.verifyTLS {
            try set(CURLOPT_SSL_VERIFYPEER, 0, "TLS verification setting")
            try set(CURLOPT_SSL_VERIFYHOST, 0, "TLS verification setting")
        }
        if let caBundlePath = configuration.caBundlePath {
            try check(ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, caBundlePath), "CA bundle path")
        }
    }

    /// GET is libcurl's default, HEAD is NOBODY, anything else a custom verb; a body goes out with an
    /// exact Content-Length from the transfer's own copy (`uploadBody`, freed once it is sent), so the
    /// request value may die meanwhile.
    private func setMethodAndBody(
        _ request: HTTPClientRequest, host: String,
        _ check: (CURLcode, String) throws(HTTPClientError) -> Void,
        _ set: (CURLoption, Int, String) throws(HTTPClientError) -> Void
    ) throws(HTTPClientError) {
        let method = request.method
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw .invalidRequest(host: host, "the method is not a valid HTTP token")
        }
        let sendsBody: Bool
        switch method {
        case "HEAD":
            guard request.body.isEmpty else { throw .invalidRequest(host: host, "a HEAD request cannot have a body") }
            try set(CURLOPT_NOBODY, 1, "method")
            sendsBody = false
        case "POST", "PUT", "PATCH":
            sendsBody = true
        default:
            sendsBody = !request.body.isEmpty
        }
        if method != "HEAD", method != "POST", method != "GET" || sendsBody {
            try check(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method), "method")
        }
        guard sendsBody else { return }
        try check(
            ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "body size")
        guard !request.body.isEmpty else {
            try check(ccurl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, ""), "body")
            return
        }
        let body = UnsafeMutableRawBufferPointer.allocate(byteCount: request.body.count, alignment: 1)
        body.copyBytes(from: request.body)
        uploadBody = body
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, body.baseAddress), "body")
    }

    /// The caller's headers plus an empty `Expect:` (libcurl otherwise waits up to 1 s for a
    /// `100 Continue` before bodies of 1 MiB and more) and, for bodies without a Content-Type, an empty
    /// `Content-Type:` that drops libcurl's invented form type.
    private func setHeaders(
        _ request: HTTPClientRequest, host: String, _ check: (CURLcode, String) throws(HTTPClientError) -> Void
    ) throws(HTTPClientError) {
        var lines: [String] = []
        lines.reserveCapacity(request.headers.count + 2)
        var hasExpect = false
        var hasContentType = false
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw .invalidRequest(host: host, "a header name is not a valid HTTP token")
            }
            guard !value.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") })
            else {
                throw .invalidRequest(host: host, "the value of header \(name) contains a line break or NUL")
            }
            let lowercased = name.lowercased()
            hasExpect = hasExpect || lowercased == "expect"
            hasContentType = hasContentType || lowercased == "content-type"
            // "Name:" would remove the header in libcurl; "Name;" sends it with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if !hasExpect { lines.append("Expect:") }
        if !hasContentType { lines.append("Content-Type:") }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw HTTPClientError(
                    kind: .other, host: host, message: "out of memory building the request to \(host)")
            }
            headerList = list
        }
        try check(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "headers")
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
