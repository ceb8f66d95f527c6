import CCurl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process-wide libcurl set-up: `curl_global_init` must run exactly once before any other libcurl call,
/// and a write to a socket the peer closed must not kill the process with SIGPIPE.
enum CurlProcess {
    /// Swift runs a static initialiser exactly once, thread-safely, on first use.
    private static let initialised: Bool = {
        _ = signal(SIGPIPE, SIG_IGN)
        return ccurl_global_init_all() == CURLE_OK
    }()

    /// Initialises libcurl on first call; returns whether that succeeded.
    static func initialise() -> Bool { initialised }
}
