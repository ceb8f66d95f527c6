import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProxyCore
import ProxyServer
import Synchronization

/// An in-process OpenAI-compatible upstream on a loopback port: it records every request it receives
/// and answers with whatever the test scripted, in OpenAI's real wire format (JSON or SSE).
final class MockUpstream: Sendable {
    /// One scripted answer.
    enum Reply: Sendable {
        /// A JSON body with a status (and optional headers).
        case json(status: Int = 200, body: JSONValue, headers: [(String, String)] = [])
        /// `text/event-stream` with each string sent as one `data:` event, `delay` apart.
        case stream(events: [String], delay: Duration = .zero)
        /// Never answers; records when the proxy closes the connection.
        case hang
        /// Any status, content type and body bytes.
        case raw(status: Int, contentType: String, body: String)
        /// Sends the `data:` events, then stays silent without ending the stream.
        case streamThenSilence(events: [String])
        /// Waits before answering with a JSON body.
        case delayed(Duration, body: JSONValue)
        /// Closes the connection without answering.
        case closeConnection
    }

    /// What the proxy sent.
    struct Received: Sendable {
        var method: String
        var path: String
        var query: String
        var headers: HTTPFields
        var body: JSONValue
        /// The body's bytes as they arrived.
        var rawBody: [UInt8]
    }

    private let state = Mutex(State())
    private struct State {
        var replies: [Reply] = []
        var received: [Received] = []
        var hangClosedAt: ContinuousClock.Instant?
    }

    func script(_ replies: Reply...) {
        script(contentsOf: replies)
    }

    func script(contentsOf replies: [Reply]) {
        state.withLock { $0.replies = replies }
    }

    var received: [Received] { state.withLock { $0.received } }
    var hangClosedAt: ContinuousClock.Instant? { state.withLock { $0.hangClosedAt } }

    func makeApplication(onPort: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router(context: MockContext.self)
        router.post("/**") { request, context in try await self.respond(request, context: context) }
        var logger = Logger(label: "mock-upstream")
        logger.logLevel = .critical
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ClientHangupHandler(registry: ConnectionRegistry())])),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { await onPort($0.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    private func respond(_ request: Request, context: MockContext) async throws -> Response {
        var request = request
        let bytes = try await request.collectBody(upTo: 64 * 1024 * 1024)
        let body = (try? JSONParser.parse(bytes.readableBytesView)) ?? .null
        let reply = state.withLock { state -> Reply in
            state.received.append(
                Received(
                    method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: request.headers,
                    body: body, rawBody: Array(bytes.readableBytesView))
            )
            return state.replies.isEmpty ? .json(body: MockUpstream.completion(text: "default reply")) : state.replies.removeFirst()
        }
        switch reply {
        case .json(let status, let json, let extraHeaders):
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            for (name, value) in extraHeaders { headers[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
        case .stream(let events, let delay):
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    for event in events {
                        if delay > .zero { try await Task.sleep(for: delay) }
                        try await writer.write(ByteBuffer(string: "data: \(event)\n\n"))
                    }
                    try await writer.finish(nil)
                })
        case .hang:
            try await context.channel.closeFuture.get()
            state.withLock { $0.hangClosedAt = .now }
            throw CancellationError()
        case .raw(let status, let contentType, let body):
            var headers = HTTPFields()
            headers[.contentType] = contentType
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .streamThenSilence(let events):
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            let channel = context.channel
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    for event in events { try await writer.write(ByteBuffer(string: "data: \(event)\n\n")) }
                    try await channel.closeFuture.get()
                    self.state.withLock { $0.hangClosedAt = .now }
                })
        case .delayed(let delay, let json):
            try await Task.sleep(for: delay)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
        case .closeConnection:
            try await context.channel.close()
            throw CancellationError()
        }
    }

    /// A non-streaming chat completion carrying `text`.
    static func completion(
        text: String, finishReason: String = "stop", usage: JSONValue? = ["prompt_tokens": 12, "completion_tokens": 5]
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", "chatcmpl-1"), ("object", "chat.completion"), ("model", "upstream-model"),
            (
                "choices",
                [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": .string(finishReason)]]
            ),
        ]
        if let usage { members.append(("usage", usage)) }
        return .object(members)
    }

    /// The SSE `data:` payloads of a streamed text answer, one chunk per piece, then usage and `[DONE]`.
    static func streamedText(_ pieces: [String], usage: JSONValue? = ["prompt_tokens": 20, "completion_tokens": 7]) -> [String] {
        var events = [#"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#]
        for piece in pieces {
            let chunk: JSONValue = [
                "id": "c1", "object": "chat.completion.chunk", "choices": [["index": 0, "delta": ["content": .string(piece)]]],
            ]
            events.append(chunk.serializedString())
        }
        events.append(#"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#)
        if let usage {
            events.append((["id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": usage] as JSONValue).serializedString())
        }
        events.append("[DONE]")
        return events
    }
}

/// The mock's request context keeps the channel, to see when the proxy hangs up.
struct MockContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    var maxUploadSize: Int { 64 * 1024 * 1024 }
}
