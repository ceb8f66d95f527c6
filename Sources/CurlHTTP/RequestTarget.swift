import CCurl

/// What the client needs to know about a request URL before handing it to libcurl, parsed by libcurl's
/// own URL parser so both agree: whether it is https (which selects HTTP/2) and the host[:port] that
/// errors name (never the path or query, which may carry keys).
struct RequestTarget {
    let isHTTPS: Bool
    /// host[:port] as written in the URL (the port only when explicit).
    let hostLabel: String

    init(url: String) throws(HTTPClientError) {
        guard let handle = curl_url() else {
            throw .invalidRequest(host: "", "libcurl could not allocate a URL parser")
        }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else {
            throw .invalidRequest(host: "", "the URL is not a valid absolute URL")
        }
        guard let host = Self.part(handle, CURLUPART_HOST), !host.isEmpty else {
            throw .invalidRequest(host: "", "the URL has no host")
        }
        let port = Self.part(handle, CURLUPART_PORT)
        hostLabel = port.map { "\(host):\($0)" } ?? host
        switch Self.part(handle, CURLUPART_SCHEME)?.lowercased() {
        case "https": isHTTPS = true
        case "http": isHTTPS = false
        default: throw .invalidRequest(host: hostLabel, "only http:// and https:// URLs are supported")
        }
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
