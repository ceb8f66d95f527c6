import BenchHTTP
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fast in-process HTTP/1.1 upstream on 127.0.0.1 with an ephemeral port, standing in for an
/// OpenAI-compatible provider: POST /v1/chat/completions answers a small non-streaming chat completion
/// (~300 bytes of JSON), or — when the request says `Accept: text/event-stream` — a 50-event SSE stream.
///
/// It counts accepted connections (so the benchmark can show that both clients reuse them) and exposes
/// the CPU time of its own event-loop threads, so client CPU can be estimated as process CPU minus
/// server CPU.
final class LoopbackServer: Sendable {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let counters: ConnectionCounters
    private let threads: [pthread_t]

    init(threads threadCount: Int) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threadCount)
        let counters = ConnectionCounters()
        self.counters = counters
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                counters.accepted.add(1, ordering: .relaxed)
                channel.closeFuture.whenComplete { _ in counters.closed.add(1, ordering: .relaxed) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ChatCompletionsHandler(counters: counters))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
        var threads: [pthread_t] = []
        for loop in group.makeIterator() {
            threads.append(try await loop.submit { pthread_self() }.get())
        }
        self.threads = threads
    }

    var acceptedConnections: Int { counters.accepted.load(ordering: .relaxed) }
    var openConnections: Int { acceptedConnections - counters.closed.load(ordering: .relaxed) }
    var requestsServed: Int { counters.requests.load(ordering: .relaxed) }

    /// User + system CPU of the server's event-loop threads, in nanoseconds.
    func cpuNanoseconds() -> Int64 {
        threads.reduce(0) { sum, thread in
            var clock = clockid_t()
            guard pthread_getcpuclockid(thread, &clock) == 0 else { return sum }
            var time = timespec()
            guard clock_gettime(clock, &time) == 0 else { return sum }
            return sum + Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        }
    }

    func shutdown() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

private final class ConnectionCounters: Sendable {
    let accepted = Atomic<Int>(0)
    let closed = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
}

/// The canned answers, built once.
enum Fixtures {
    /// A realistic small OpenAI chat request (what the proxy sends upstream for a short Haiku call).
    static let requestBody: [UInt8] = Array(
        """
        {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a concise assistant."},\
        {"role":"user","content":"Reply with the single word: pong."}],"max_tokens":16,"temperature":0,\
        "stream":false}
        """.utf8)

    static let streamingRequestBody: [UInt8] = Array(
        """
        {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a concise assistant."},\
        {"role":"user","content":"Count from one to fifty."}],"max_tokens":256,"temperature":0,\
        "stream":true,"stream_options":{"include_usage":true}}
        """.utf8)

    /// A non-streaming chat completion, about 300 bytes.
    static let completion: [UInt8] = Array(
        """
        {"id":"chatcmpl-bench0001","object":"chat.completion","created":1735689600,"model":"gpt-4o-mini",\
        "choices":[{"index":0,"message":{"role":"assistant","content":"pong","refusal":null},\
        "logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":2,\
        "total_tokens":26},"system_fingerprint":"fp_bench"}
        """.utf8)

    static let streamEventCount = 50
    /// The `paced` scenario's request header and the delay before each event it asks for.
    static let paceHeader = "x-bench-pace-ms"
    static let paceMilliseconds = 20

    /// 50 `data:` events of chat.completion.chunk (48 content deltas, a finish, a usage chunk) + [DONE].
    static let streamEvents: [[UInt8]] = {
        let prefix =
            #"{"id":"chatcmpl-bench0002","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini","system_fingerprint":"fp_bench","choices":"#
        var events: [String] = []
        for index in 0..<(streamEventCount - 2) {
            let delta = index == 0 ? #"{"role":"assistant","content":"one"}"# : #"{"content":" \#(index + 1),"}"#
            events.append(prefix + #"[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":null}]}"#)
        }
        events.append(prefix + #"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#)
        events.append(prefix + #"[],"usage":{"prompt_tokens":24,"completion_tokens":96,"total_tokens":120}}"#)
        return events.map { Array("data: \($0)\n\n".utf8) } + [Array("data: [DONE]\n\n".utf8)]
    }()

    static let streamBytes = streamEvents.reduce(0) { $0 + $1.count }
}

private final class ChatCompletionsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let completion = ByteBuffer(bytes: Fixtures.completion)
    private static let events = Fixtures.streamEvents.map { ByteBuffer(bytes: $0) }
    private static let notFound = ByteBuffer(string: #"{"error":{"message":"not found"}}"#)

    private let counters: ConnectionCounters
    private var head: HTTPRequestHead?

    init(counters: ConnectionCounters) {
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break  // read and dropped, as a real upstream would parse it
        case .end:
            guard let head else { return }
            self.head = nil
            counters.requests.add(1, ordering: .relaxed)
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        guard head.method == .POST, head.uri == "/v1/chat/completions" else {
            context.writeJSONResponse(status: .notFound, body: Self.notFound, keepAlive: keepAlive)
            return
        }
        if head.headers["accept"].contains(where: { $0.contains("text/event-stream") }) {
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "text/event-stream")
            headers.add(name: "cache-control", value: "no-cache")
            // No content-length: NIO sends the events chunked, one chunk each, as providers do.
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                promise: nil)
            if let pace = head.headers.first(name: Fixtures.paceHeader).flatMap(Int.init) {
                context.flush()
                sendPaced(from: 0, every: .milliseconds(Int64(pace)), context: context, keepAlive: keepAlive)
                return
            }
            for event in Self.events {
                context.write(wrapOutboundOut(.body(.byteBuffer(event))), promise: nil)
            }
            context.endResponse(keepAlive: keepAlive)
        } else {
            context.writeJSONResponse(status: .ok, body: Self.completion, keepAlive: keepAlive)
        }
    }

    /// Sends event `index` after `delay`, then schedules the next; ends the response after the last.
    private func sendPaced(from index: Int, every delay: TimeAmount, context: ChannelHandlerContext, keepAlive: Bool) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            guard context.channel.isActive else { return }
            if index == Self.events.count {
                context.endResponse(keepAlive: keepAlive)
                return
            }
            context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(Self.events[index]))), promise: nil)
            handler.sendPaced(from: index + 1, every: delay, context: context, keepAlive: keepAlive)
        }
    }

}
