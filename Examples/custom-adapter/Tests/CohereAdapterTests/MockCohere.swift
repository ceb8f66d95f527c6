import ClaudeCodeProxyKit
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// An in-process Cohere on a loopback port: it answers `POST /v2/chat` in Cohere's wire format (JSON, or
/// `text/event-stream` with `event:`/`data:` frames and a final `data: [DONE]`) and records what it got.
final class MockCohere: Sendable {
    /// One scripted answer.
    enum Reply: Sendable {
        /// A JSON body with a status and headers.
        case json(status: Int = 200, body: String, headers: [(String, String)] = [])
        /// A stream of these `data:` payloads, each framed with an `event:` line naming its JSON `type`.
        case stream(payloads: [String])
    }

    /// A request the proxy sent.
    struct Received: Sendable {
        var method: String
        var path: String
        /// Names lowercased.
        var headers: [(name: String, value: String)]
        var body: JSONValue

        func header(_ name: String) -> String? {
            headers.first { $0.name == name }?.value
        }
    }

    private struct State {
        var replies: [Reply] = []
        var received: [Received] = []
    }

    private let state = Mutex(State())

    /// Sets the answers to the next requests, in order.
    func script(_ replies: Reply...) {
        state.withLock { $0.replies = replies }
    }

    var received: [Received] { state.withLock { $0.received } }

    /// Serves until the task is cancelled; `onPort` gets the bound port.
    func run(onPort: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router()
        router.post("/**") { request, context in try await self.respond(to: request, context: context) }
        var logger = Logger(label: "mock-cohere")
        logger.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { await onPort($0.localAddress?.port ?? 0) }, logger: logger
        )
        try await application.runService(gracefulShutdownSignals: [])
    }

    private func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let bytes = try await request.collectBody(upTo: 16 * 1024 * 1024)
        let body = (try? JSONParser.parse(bytes.readableBytesView)) ?? .null
        let reply = state.withLock { state -> Reply? in
            state.received.append(
                Received(
                    method: request.method.rawValue, path: request.uri.path,
                    headers: request.headers.map { ($0.name.canonicalName, $0.value) }, body: body
                ))
            return state.replies.isEmpty ? nil : state.replies.removeFirst()
        }
        switch reply {
        case nil:
            return Self.json(status: 500, body: #"{"message":"the test scripted no reply"}"#, headers: [])
        case .json(let status, let body, let headers)?:
            return Self.json(status: status, body: body, headers: headers)
        case .stream(let payloads)?:
            var text = ""
            for payload in payloads {
                let type = (try? JSONParser.parse(payload))?["type"]?.stringValue ?? "unknown"
                text += "event: \(type)\ndata: \(payload)\n\n"
            }
            text += "data: [DONE]\n\n"
            let frames = text
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    // In a few writes, so the proxy reads the stream in pieces.
                    let bytes = Array(frames.utf8)
                    let step = max(bytes.count / 4, 1)
                    for start in stride(from: 0, to: bytes.count, by: step) {
                        try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + step, bytes.count)]))
                    }
                    try await writer.finish(nil)
                }
            )
        }
    }

    private static func json(status: Int, body: String, headers: [(String, String)]) -> Response {
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
