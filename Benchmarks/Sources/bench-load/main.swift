// bench-load: a closed-loop HTTP/1.1 load generator for `scripts/bench`.
//
// N keep-alive connections on one SwiftNIO event-loop thread each send the same POST back to back for
// --warmup + --duration seconds. Speaks whatever body you give it (Anthropic /v1/messages to the proxy,
// OpenAI /v1/chat/completions straight to the mock). Prints one JSON line:
//   rps (responses completed inside the measured window / window), p50/p99 latency of those,
//   ttft p50/p99 (time from sending the request to the first body bytes containing --marker, e.g. the
//   first text delta; first body byte when no marker), errors (non-2xx, connection errors, a response
//   without the marker), total_completed (all responses incl. warm-up, for CPU per request).
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

struct Options {
    var host = "127.0.0.1"
    var port = 0
    var path = "/v1/messages"
    var bodyFile = ""
    var headers: [(String, String)] = []
    var concurrency = 1
    var duration = 3.0
    var warmup = 1.0
    var marker: [UInt8] = []
    var ramp = 0.0
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    while let argument = arguments.next() {
        let value = arguments.next() ?? ""
        switch argument {
        case "--host": options.host = value
        case "--port": options.port = Int(value) ?? 0
        case "--path": options.path = value
        case "--body-file": options.bodyFile = value
        case "--header":
            let parts = value.split(separator: ":", maxSplits: 1)
            options.headers.append((String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""))
        case "-c", "--concurrency": options.concurrency = Int(value) ?? 1
        case "-d", "--duration": options.duration = Double(value) ?? 3
        case "--warmup": options.warmup = Double(value) ?? 1
        case "--marker": options.marker = Array(value.utf8)
        case "--ramp": options.ramp = Double(value) ?? 0
        default:
            FileHandle.standardError.write(
                Data(
                    "usage: bench-load --port P --path /v1/messages --body-file F [--header 'k: v'] -c N -d S --warmup S [--marker STR] [--ramp S]\n"
                        .utf8))
            exit(2)
        }
    }
    return options
}
let options = parseOptions()

let bodyBytes = try Data(contentsOf: URL(fileURLWithPath: options.bodyFile))
let requestBody = ByteBuffer(bytes: bodyBytes)
var requestHeaders = HTTPHeaders()
requestHeaders.add(name: "host", value: "\(options.host):\(options.port)")
requestHeaders.add(name: "content-type", value: "application/json")
requestHeaders.add(name: "content-length", value: String(bodyBytes.count))
for (name, value) in options.headers { requestHeaders.add(name: name, value: value) }
let requestHead = HTTPRequestHead(version: .http1_1, method: .POST, uri: options.path, headers: requestHeaders)

@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Touched only on the single event loop.
final class Stats: @unchecked Sendable {
    var windowStart: UInt64 = 0
    var windowEnd: UInt64 = 0
    var stopped = false
    var latencies: [UInt64] = []
    var ttfts: [UInt64] = []
    var completedInWindow = 0
    var totalCompleted = 0
    var errors = 0
    var errorKinds: [String: Int] = [:]
    var activeConnections = 0
    var peakActive = 0

    func inWindow(_ t: UInt64) -> Bool { t >= windowStart && t < windowEnd }
    func error(_ kind: String) {
        if stopped { return }
        errors += 1
        errorKinds[kind, default: 0] += 1
    }
}

let stats = Stats()
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()

final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var start: UInt64 = 0
    private var status: UInt = 0
    private var markerFound = false
    private var tail: [UInt8] = []
    private var bodyBytes = 0

    func channelActive(context: ChannelHandlerContext) {
        stats.activeConnections += 1
        stats.peakActive = max(stats.peakActive, stats.activeConnections)
        send(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stats.activeConnections -= 1
        if !stats.stopped {
            stats.error(start == 0 ? "closed" : "closed-mid-response")
            connect(delay: .milliseconds(5))
        }
    }

    private func send(context: ChannelHandlerContext) {
        start = now()
        status = 0
        markerFound = false
        tail.removeAll(keepingCapacity: true)
        bodyBytes = 0
        context.write(wrapOutboundOut(.head(requestHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(requestBody))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status.code
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if !markerFound {
                let t = now()
                if options.marker.isEmpty {
                    markerFound = true
                } else {
                    var bytes = tail
                    bytes.append(contentsOf: buffer.readableBytesView)
                    if search(bytes, options.marker) {
                        markerFound = true
                    } else {
                        tail = Array(bytes.suffix(options.marker.count - 1))
                    }
                }
                if markerFound, stats.inWindow(t), status == 200 { stats.ttfts.append(t - start) }
            }
        case .end:
            let t = now()
            if stats.stopped { return }
            if status != 200 {
                stats.error("status \(status)")
            } else if !markerFound || bodyBytes == 0 {
                stats.error("no marker in body")
            } else {
                stats.totalCompleted += 1
                if stats.inWindow(t) {
                    stats.completedInWindow += 1
                    stats.latencies.append(t - start)
                }
            }
            start = 0
            send(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !stats.stopped { stats.error("io: \(error)") }
        context.close(promise: nil)
    }
}

func search(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard haystack.count >= needle.count else { return false }
    var index = 0
    while index <= haystack.count - needle.count {
        if haystack[index] == needle[0] {
            var match = true
            var offset = 1
            while offset < needle.count {
                if haystack[index + offset] != needle[offset] { match = false; break }
                offset += 1
            }
            if match { return true }
        }
        index += 1
    }
    return false
}

let bootstrap = ClientBootstrap(group: loop)
    .channelOption(.socketOption(.tcp_nodelay), value: 1)
    .connectTimeout(.seconds(5))
    .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(LoadHandler())
        }
    }

func connect(delay: TimeAmount = .zero) {
    loop.scheduleTask(in: delay) {
        if stats.stopped { return }
        bootstrap.connect(host: options.host, port: options.port).whenFailure { error in
            stats.error("connect: \(error)")
            connect(delay: .milliseconds(20))
        }
    }
}

let begin = now()
try loop.submit {
    stats.windowStart = begin + UInt64(options.warmup * 1e9)
    stats.windowEnd = stats.windowStart + UInt64(options.duration * 1e9)
    // --ramp spreads the connections' first requests evenly over S seconds, so long streams do not all
    // start and end together (which would quantise completions per window).
    for index in 0..<options.concurrency {
        connect(delay: .nanoseconds(Int64(options.ramp * 1e9 * Double(index) / Double(options.concurrency))))
    }
}.wait()
Thread.sleep(forTimeInterval: options.warmup + options.duration)
let result = try loop.submit { () -> String in
    stats.stopped = true
    func pct(_ values: [UInt64], _ p: Double) -> Double {
        guard !values.isEmpty else { return -1 }
        let sorted = values.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[rank]) / 1e6
    }
    let kinds = stats.errorKinds.sorted { $0.value > $1.value }.prefix(3)
        .map { "\"\($0.key.replacingOccurrences(of: "\"", with: "'"))\":\($0.value)" }.joined(separator: ",")
    return """
        {"rps":\(Double(stats.completedInWindow) / options.duration),"completed":\(stats.completedInWindow),\
        "total_completed":\(stats.totalCompleted),"errors":\(stats.errors),\
        "p50_ms":\(pct(stats.latencies, 0.5)),"p99_ms":\(pct(stats.latencies, 0.99)),\
        "ttft_p50_ms":\(pct(stats.ttfts, 0.5)),"ttft_p99_ms":\(pct(stats.ttfts, 0.99)),"ttft_n":\(stats.ttfts.count),\
        "peak_connections":\(stats.peakActive),"error_kinds":{\(kinds)}}
        """
}.wait()
FileHandle.standardOutput.write(Data((result + "\n").utf8))
exit(0)
