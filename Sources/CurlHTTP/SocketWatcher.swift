#if os(Linux)
    import CCurl
    import Glibc

    /// The readiness half of libcurl's socket-action API: an epoll set holding exactly the sockets libcurl
    /// asked to watch, plus an eventfd that other threads write to wake the loop.
    ///
    /// Why socket actions rather than `curl_multi_poll` + `curl_multi_perform`: those rebuild a pollfd
    /// array of every socket and visit every transfer on each wake-up, so the cost of one chunk grows with
    /// the number of open streams. Measured side by side (`http-client-bench`, Benchmarks/README.md): 25%
    /// less client CPU per stream with 256 and 1,000 open streams paced at 20 ms per event, the same
    /// within noise on back-to-back short requests.
    ///
    /// Not thread-safe except `wake`: everything else runs on the loop thread.
    final class SocketWatcher {
        /// What a ready socket is ready for, in libcurl's CURL_CSELECT bits.
        struct Readiness {
            let socket: Int32
            let curlBits: Int32
        }

        private let epoll: Int32
        private let wakeFD: Int32
        private var events: [epoll_event]
        /// Sockets currently in the epoll set, so a change of interest is a MOD and not an ADD.
        private var watched: Set<Int32> = []

        init?(capacity: Int = 256) {
            let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard epoll >= 0 else { return nil }
            let wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
            guard wakeFD >= 0 else {
                close(epoll)
                return nil
            }
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeFD))
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
                close(wakeFD)
                close(epoll)
                return nil
            }
            self.epoll = epoll
            self.wakeFD = wakeFD
            events = Array(repeating: epoll_event(), count: capacity)
        }

        deinit {
            close(wakeFD)
            close(epoll)
        }

        /// Any thread: makes the current or next `wait` return at once.
        func wake() {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, MemoryLayout<UInt64>.size)
        }

        /// Follows libcurl's CURLMOPT_SOCKETFUNCTION request for `socket` (a CURL_POLL_* value).
        func update(socket: Int32, curlInterest: Int32) {
            if curlInterest == CURL_POLL_REMOVE {
                // The socket may already be closed; the kernel dropped it from the set then.
                if watched.remove(socket) != nil { _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil) }
                return
            }
            var mask: UInt32 = 0
            if curlInterest & CURL_POLL_IN != 0 { mask |= EPOLLIN.rawValue }
            if curlInterest & CURL_POLL_OUT != 0 { mask |= EPOLLOUT.rawValue }
            var event = epoll_event(events: mask, data: epoll_data_t(fd: socket))
            if watched.insert(socket).inserted {
                if epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event) != 0, errno == EEXIST {
                    _ = epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event)
                }
            } else if epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event) != 0, errno == ENOENT {
                // A socket number reused after a close libcurl did not announce.
                _ = epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event)
            }
        }

        /// Blocks up to `milliseconds` (-1: no limit) and calls `body` for each ready libcurl socket.
        /// A wake-up is consumed here and reported as no readiness.
        func wait(milliseconds: Int32, _ body: (Readiness) -> Void) {
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_wait(epoll, buffer.baseAddress, Int32(buffer.count), milliseconds)
            }
            guard count > 0 else { return }
            for index in 0..<Int(count) {
                let event = events[index]
                let socket = event.data.fd
                if socket == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, MemoryLayout<UInt64>.size)
                    continue
                }
                var bits: Int32 = 0
                if event.events & EPOLLIN.rawValue != 0 { bits |= CURL_CSELECT_IN }
                if event.events & EPOLLOUT.rawValue != 0 { bits |= CURL_CSELECT_OUT }
                if event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { bits |= CURL_CSELECT_ERR }
                body(Readiness(socket: socket, curlBits: bits))
            }
            // A full batch means more may be ready: grow so one wait sees them all next time.
            if Int(count) == events.count, events.count < 8192 {
                events.append(contentsOf: repeatElement(epoll_event(), count: events.count))
            }
        }
    }
#else
    #error("CurlHTTP waits on sockets with epoll, which only Linux has")
#endif
