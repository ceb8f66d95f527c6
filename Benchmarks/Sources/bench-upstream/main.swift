// bench-upstream: a fast mock OpenAI-compatible upstream for `scripts/bench`.
//
// POST /v1/chat/completions
//   - body without "stream":true → a ~320-byte chat.completion with usage (content-length, keep-alive)
//   - body with "stream":true (or Accept: text/event-stream) → 50 chat.completion.chunk SSE events
//     (48 content deltas, a finish chunk, a usage chunk) + `data: [DONE]`, chunked. With header
//     `x-bench-delay-ms: N`, every event (the first included) is sent N ms after the previous one,
//     so time to first token of the direct path is ~N ms. The proxy does not forward unknown headers, so
//     the same delay is also read from the text `bench-delay-ms=N` anywhere in the request body.
// GET /health → 200.
// Plain SwiftNIO, one event-loop thread by default (`--threads`), prints `PORT <n>` on stdout once bound.
import BenchHTTP
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

var port = 0
var threads = 1
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--port": port = Int(arguments.next() ?? "") ?? 0
    case "--threads": threads = Int(arguments.next() ?? "") ?? 1
    default:
        print("usage: bench-upstream [--port N] [--threads N]")
        exit(2)
    }
}

enum Fixtures {
    static let completion = ByteBuffer(
        string:
            #"{"id":"chatcmpl-bench0001","object":"chat.completion","created":1735689600,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"pong","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":2,"total_tokens":26},"system_fingerprint":"fp_bench"}"#
    )

    static let events: [ByteBuffer] = {
        let prefix =
            #"{"id":"chatcmpl-bench0002","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini","system_fingerprint":"fp_bench","choices":"#
        var events: [String] = []
        for index in 0..<48 {
            let delta = index == 0 ? #"{"role":"assistant","content":"one"}"# : #"{"content":" \#(index + 1),"}"#
            events.append(prefix + #"[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":null}]}"#)
        }
        events.append(prefix + #"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#)
        events.append(prefix + #"[],"usage":{"prompt_tokens":24,"completion_tokens":96,"total_tokens":120}}"#)
        return events.map { ByteBuffer(string: "data: \($0)\n\n") } + [ByteBuffer(string: "data: [DONE]\n\n")]
    }()

    static let health = ByteBuffer(string: #"{"status":"ok"}"#)
    static let notFound = ByteBuffer(string: #"{"error":{"message":"not found"}}"#)
    /// The proxy does not forward unknown headers, so the delay can also ride in the prompt text.
    static let delayMarker = Array("bench-delay-ms=".utf8)
    static let streamTrue = Array(#""stream":true"#.utf8)
    static let streamTrueSpaced = Array(#""stream": true"#.utf8)
}

extension ByteBuffer {
    /// The decimal number right after the first occurrence of `marker`, if any.
    func number(after marker: [UInt8]) -> Int64? {
        withUnsafeReadableBytes { bytes -> Int64? in
            guard bytes.count > marker.count else { return nil }
            var index = 0
            while index <= bytes.count - marker.count {
                var match = true
                for offset in 0..<marker.count where bytes[index + offset] != marker[offset] {
                    match = false
                    break
                }
                if match {
                    var position = index + marker.count
                    var value: Int64 = 0
                    var digits = 0
                    while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                        value = value * 10 + Int64(bytes[position] - 48)
                        position += 1
                        digits += 1
                    }
                    return digits > 0 ? value : nil
                }
                index += 1
            }
            return nil
        }
    }

    func containsBytes(_ needle: [UInt8]) -> Bool {
        withUnsafeReadableBytes { haystack in
            guard haystack.count >= needle.count, let first = needle.first else { return false }
            var index = 0
            let last = haystack.count - needle.count
            while index <= last {
                if haystack[index] == first {
                    var match = true
                    for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                        match = false
                        break
                    }
                    if match { return true }
                }
                index += 1
            }
            return false
        }
    }
}

final class ChatCompletionsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = nil
        case .body(var chunk):
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            let body = self.body ?? ByteBuffer()
            self.body = nil
            respond(to: head, body: body, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        if head.method == .GET, head.uri == "/health" {
            context.writeJSONResponse(status: .ok, body: Fixtures.health, keepAlive: keepAlive)
            return
        }
        guard head.method == .POST, head.uri.hasSuffix("/chat/completions") else {
            context.writeJSONResponse(status: .notFound, body: Fixtures.notFound, keepAlive: keepAlive)
            return
        }
        let streaming =
            head.headers["accept"].contains { $0.contains("text/event-stream") }
            || body.containsBytes(Fixtures.streamTrue) || body.containsBytes(Fixtures.streamTrueSpaced)
        guard streaming else {
            context.writeJSONResponse(status: .ok, body: Fixtures.completion, keepAlive: keepAlive)
            return
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        let delayMs =
            head.headers.first(name: "x-bench-delay-ms").flatMap { Int64($0) }
            ?? body.number(after: Fixtures.delayMarker) ?? 0
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
            promise: nil)
        if delayMs <= 0 {
            for event in Fixtures.events {
                context.write(wrapOutboundOut(.body(.byteBuffer(event))), promise: nil)
            }
            context.endResponse(keepAlive: keepAlive)
        } else {
            context.flush()
            sendDelayed(index: 0, delay: .milliseconds(delayMs), keepAlive: keepAlive, context: context)
        }
    }

    private func sendDelayed(index: Int, delay: TimeAmount, keepAlive: Bool, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            guard context.channel.isActive else { return }
            if index < Fixtures.events.count {
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(Fixtures.events[index]))), promise: nil)
                if index + 1 < Fixtures.events.count {
                    handler.sendDelayed(index: index + 1, delay: delay, keepAlive: keepAlive, context: context)
                } else {
                    context.endResponse(keepAlive: keepAlive)
                }
            }
        }
    }

}

let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(ChatCompletionsHandler())
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
let announcement = Array("PORT \(channel.localAddress!.port!)\n".utf8)
_ = announcement.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
try channel.closeFuture.wait()
