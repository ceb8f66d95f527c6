import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A raw POSIX-socket HTTP/1.1 server on 127.0.0.1 for the client tests: every accepted connection runs
/// the test's script on its own thread, so scripts can block, sleep, stream, hang up or reset.
final class TestServer: Sendable {
    let port: UInt16
    /// Connections accepted so far.
    var acceptedCount: Int { accepted.load(ordering: .relaxed) }

    private let listenFD: Int32
    private let accepted = Atomic<Int>(0)
    private let acceptLoopEnded = Signal<Void>()

    /// - Parameters:
    ///   - backlog: listen backlog; 0 plus a few unaccepted connections fills the queue.
    ///   - acceptConnections: false leaves every connection in the kernel queue, never accepted.
    ///   - script: run per connection on a fresh thread; the socket is closed when it returns.
    init(
        backlog: Int32 = 1024, acceptConnections: Bool = true,
        script: @escaping @Sendable (TestConnection) -> Void = { _ in }
    ) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError.socket(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            close(fd)
            throw TestServerError.socket(errno)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)
        guard acceptConnections else {
            acceptLoopEnded.set(())
            return
        }
        let thread = Thread { [self] in acceptLoop(script) }
        thread.start()
    }

    private func acceptLoop(_ script: @escaping @Sendable (TestConnection) -> Void) {
        while true {
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                break
            }
            accepted.add(1, ordering: .relaxed)
            TestConnection.configure(client)
            let worker = Thread {
                let connection = TestConnection(fd: client)
                script(connection)
                connection.close()
            }
            worker.stackSize = 256 << 10
            worker.start()
        }
        acceptLoopEnded.set(())
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting; connections already running finish their scripts.
    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        _ = acceptLoopEnded.waitBlocking(timeout: .seconds(5))
        close(listenFD)
    }
}

enum TestServerError: Error {
    case socket(Int32)
}

/// A parsed request as the server saw it.
struct ReceivedRequest: Sendable {
    var method: String
    var path: String
    /// Lowercased names.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name == name.lowercased() }?.value
    }
}

/// One accepted socket, used only on its own thread.
final class TestConnection {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var isClosed = false

    init(fd: Int32) {
        self.fd = fd
    }

    /// Blocking calls give up after 10 s so no script can hang a test run.
    static func configure(_ fd: Int32) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The next request on this connection, or nil when the client closed it.
    func readRequest() -> ReceivedRequest? {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.firstRange(of: terminator)?.upperBound
            if headEnd == nil, !fill() { return nil }
        }
        let headText = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd!)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let requestLine = lines.removeFirst().split(separator: " ")
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (
                String(line[..<colon]).lowercased(),
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            )
        }
        var request = ReceivedRequest(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: [])
        let length = Int(request.header("content-length") ?? "0") ?? 0
        while buffer.count < length {
            if !fill() { return nil }
        }
        request.body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return request
    }

    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 {
                if sent < 0, errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Writes a status line and headers; `chunked` adds Transfer-Encoding, else pass Content-Length.
    @discardableResult
    func writeHead(status: Int = 200, headers: [(String, String)] = [], chunked: Bool = false) -> Bool {
        var head = "HTTP/1.1 \(status) Test\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if chunked { head += "Transfer-Encoding: chunked\r\n" }
        return write(head + "\r\n")
    }

    @discardableResult
    func writeChunk(_ bytes: [UInt8]) -> Bool {
        write(Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + Array("\r\n".utf8))
    }

    @discardableResult
    func endChunks() -> Bool { write("0\r\n\r\n") }

    /// A complete response with a Content-Length body.
    @discardableResult
    func respond(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) -> Bool {
        writeHead(status: status, headers: headers + [("Content-Length", "\(body.count)")]) && write(body)
    }

    /// Reads (and discards) until the client closes; returns when that happened, or nil on timeout.
    func waitForClientClose(timeout: Duration = .seconds(5)) -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        var pollDescriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var scratch = [UInt8](repeating: 0, count: 64 << 10)
        while ContinuousClock.now < deadline {
            let ready = poll(&pollDescriptor, 1, 20)
            guard ready > 0 else { continue }
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN) { return .now }
        }
        return nil
    }

    /// Closes with SO_LINGER 0, so the client gets a TCP RST instead of an orderly FIN.
    func reset() {
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = closeDescriptor(fd)
    }

    private func fill() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 64 << 10)
        let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer.append(contentsOf: scratch[..<count])
        return true
    }
}

/// A value set once by a server thread and awaited by a test, always with a timeout.
final class Signal<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    func set(_ newValue: Value) {
        value.withLock { if $0 == nil { $0 = newValue } }
    }

    var current: Value? { value.withLock { $0 } }

    func wait(timeout: Duration = .seconds(5)) async -> Value? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let current { return current }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return current
    }

    /// For server threads, which must not await.
    func waitBlocking(timeout: Duration = .seconds(5)) -> Value? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let current { return current }
            usleep(1000)
        }
        return current
    }
}

/// Opens a raw TCP connection without sending anything; used to fill a listen backlog.
func rawConnect(port: UInt16) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var flags = fcntl(fd, F_GETFL)
    flags |= O_NONBLOCK
    _ = fcntl(fd, F_SETFL, flags)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return fd
}

/// A port on 127.0.0.1 nobody listens on: bound, then closed.
func unusedPort() -> UInt16 {
    let server = try! TestServer(acceptConnections: false)
    server.stop()
    return server.port
}

/// `close(2)`, reachable from types that have a `close()` of their own.
func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}

/// A mutex-guarded value that server threads append to and tests read.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        storage = Mutex(value)
    }

    var value: Value { storage.withLock { $0 } }

    func update(_ body: (inout Value) -> Void) {
        storage.withLock { body(&$0) }
    }
}

extension Locked {
    func append<Element>(_ element: Element) where Value == [Element] {
        update { $0.append(element) }
    }
}
