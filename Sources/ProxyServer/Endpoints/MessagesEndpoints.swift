import CurlHTTP
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProxyCore

/// `POST /v1/messages` and `POST /v1/messages/count_tokens`.
struct MessagesEndpoints: Sendable {
    let live: LiveSettings
    let client: CurlHTTPClient
    let connections: ConnectionRegistry
    let metrics: ProxyMetrics
    /// With a store: the managed keys' limits, checked before a request goes upstream.
    let gateway: GatewayState?

    func register(with router: Router<ProxyRequestContext>) {
        router.post("/v1/messages") { request, context in try await self.messages(request, context: context) }
        router.post("/v1/messages/count_tokens") { request, context in try await self.countTokens(request, context: context) }
    }

    // The async functions here stay thin: their frames sit on the connection task's allocator, whose
    // peak stays allocated for as long as the connection lives (a whole stream, then keep-alive). Work
    // without suspension points is in `@inline(never)` functions, whose temporaries live on the
    // thread's stack only while they run.

    private func messages(_ request: Request, context: ProxyRequestContext) async throws -> Response {
        let snapshot = live.snapshot  // this request's settings, whatever a reload does meanwhile
        let logger = context.logger
        let messagesRequest = try await Self.decodeMessages(request, context: context, limit: snapshot.settings.server.maxBodyBytes)
        let trace = context.trace
        trace?.requested(model: messagesRequest.model, stream: messagesRequest.stream)
        if let key = context.client?.managedKey, let gateway { try await gateway.limiter.admit(key, model: messagesRequest.model) }
        let hints = context.hints
        let client = self.client
        let metrics = self.metrics
        let connection = connections.watch(for: context.channel)
        let outcome = try await Self.cancellingOnDisconnect(connection, logger: logger) {
            try await FallbackSender.send(
                messagesRequest, hints: hints, snapshot: snapshot, client: client, metrics: metrics, trace: trace, logger: logger)
        }
        let (call, upstream): (UpstreamCall, HTTPClientResponse)
        switch outcome {
        case .upstream(let sent, let response): (call, upstream) = (sent, response)
        case .empty(let target): return await EmptyAnswer.response(for: messagesRequest, target: target, trace: trace)
        }
        if messagesRequest.stream {
            trace?.finishesLater()
            return Self.streamingResponse(
                call: call, upstream: upstream, snapshot: snapshot, connection: connection, trace: trace,
                eventLoop: context.channel.eventLoop, logger: logger)
        }
        let body = try await Self.cancellingOnDisconnect(connection, logger: logger) { try await call.collect(upstream) }
        let response = try Self.messageResponse(call: call, body: body, trace: trace, logger: logger)
        await trace?.settle()
        return response
    }

    @inline(never)
    private static func decodeMessages(_ request: Request, context: ProxyRequestContext, limit: Int) async throws -> MessagesRequest {
        try withSession(await decode(request, limit: limit), hints: context.hints, logger: context.logger)
    }

    /// The request with the Claude Code session its headers name; logs the content blocks it drops.
    @inline(never)
    private static func withSession(_ request: MessagesRequest, hints: ClaudeCodeHints, logger: Logger) -> MessagesRequest {
        var request = request
        request.sessionID = hints.sessionID
        let dropped = request.droppedBlockTypes
        if !dropped.isEmpty {
            logger.debug("dropped content blocks the upstream cannot take: \(Set(dropped).sorted().joined(separator: ", "))")
        }
        return request
    }

    @inline(never)
    private static func streamingResponse(
        call: UpstreamCall, upstream: HTTPClientResponse, snapshot: SettingsSnapshot, connection: ConnectionCloseWatch,
        trace: RequestTrace?, eventLoop: any EventLoop, logger: Logger
    ) -> Response {
        let streaming = StreamingResponse(
            call: call, upstream: upstream, messageID: AnthropicID.make(prefix: "msg_"), trace: trace,
            shutdownGracePeriod: snapshot.settings.server.shutdownGracePeriod,
            pingInterval: snapshot.settings.server.pingInterval, redactor: snapshot.redactor, logger: logger
        )
        let response = Response(
            status: .ok, headers: StreamingResponse.headers, body: streaming.body(connection: connection, eventLoop: eventLoop))
        return labelled(response, by: call)
    }

    @inline(never)
    private static func labelled(_ response: Response, by call: UpstreamCall) -> Response {
        labelled(response, route: call.routeLabel, provider: call.providerName, upstreamModel: call.upstreamModel)
    }

    /// The route headers every answer carries.
    static func labelled(_ response: Response, route: String, provider: String, upstreamModel: String) -> Response {
        var response = response
        response.headers[HTTPField.Name("x-proxy-route")!] = route
        response.headers[HTTPField.Name("x-proxy-provider")!] = provider
        response.headers[HTTPField.Name("x-proxy-upstream-model")!] = upstreamModel
        return response
    }

    /// The adapter's message for a complete upstream answer, as the response; logs the usage line.
    @inline(never)
    private static func messageResponse(
        call: UpstreamCall, body: [UInt8], trace: RequestTrace?, logger: Logger
    ) throws(AnthropicError) -> Response {
        let (json, usage) = try call.answer.responseBody(from: body)
        trace?.used(usage.usage)
        logger.info("\(UsageLog.line(clientModel: call.clientModel, upstreamModel: call.upstreamModel, usage: usage, streamed: false))")
        let response = Response(
            status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
        return labelled(response, by: call)
    }

    /// The upstream's exact count where the route's first target can count (`x-proxy-token-count: upstream`,
    /// and the route headers), else the proxy's estimate (`x-proxy-token-count: estimated`).
    private func countTokens(_ request: Request, context: ProxyRequestContext) async throws -> Response {
        let snapshot = live.snapshot
        let messagesRequest = try await Self.decodeMessages(request, context: context, limit: snapshot.settings.server.maxBodyBytes)
        if let (tokens, target) = await UpstreamTokenCount.count(
            messagesRequest, hints: context.hints, snapshot: snapshot, client: client, logger: context.logger)
        {
            let response = Response.json(
                ["input_tokens": .integer(Int64(tokens))], headers: [HTTPField.Name("x-proxy-token-count")!: "upstream"])
            return Self.labelled(response, route: target.label, provider: target.provider.name, upstreamModel: target.upstreamModel)
        }
        let count = TokenEstimator.estimateInput(of: messagesRequest)
        return Response.json(["input_tokens": .integer(Int64(count))], headers: [HTTPField.Name("x-proxy-token-count")!: "estimated"])
    }

    /// The request body as a `MessagesRequest`; malformed input is a 400 that names the problem.
    static func decode(_ request: Request, limit: Int) async throws -> MessagesRequest {
        try checkContentType(request.headers)
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit: limit)
        }
        return try parse(buffer, headers: request.headers)
    }

    @inline(never)
    private static func checkContentType(_ headers: HTTPFields) throws(AnthropicError) {
        if let type = headers[.contentType], !type.lowercased().contains("json") {
            throw AnthropicError.invalidRequest("content-type must be application/json, not '\(type)'")
        }
    }

    @inline(never)
    private static func tooLarge(limit: Int) -> AnthropicError {
        AnthropicError(.requestTooLarge, "request body is larger than the proxy's limit of \(limit) bytes")
    }

    /// The collected body as a request, with the client's `anthropic-*` headers (an Anthropic-native
    /// upstream is sent them).
    @inline(never)
    private static func parse(_ buffer: ByteBuffer, headers: HTTPFields) throws -> MessagesRequest {
        // One copy, which the parser reads and the request keeps (an Anthropic-native adapter sends it on).
        let body = Array(buffer.readableBytesView)
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw AnthropicError.invalidRequest("request body is not valid JSON: \(error)")
        }
        var decoded = try MessagesRequest(json: json)
        decoded.body = body
        for name in ["anthropic-version", "anthropic-beta"] {
            if let value = headers[HTTPField.Name(name)!] { decoded.anthropicHeaders.append(HTTPHeader(name, value)) }
        }
        return decoded
    }

    /// Runs upstream work, cancelling it when the client disconnects.
    private static func cancellingOnDisconnect<T: Sendable>(
        _ connection: ConnectionCloseWatch, logger: Logger, _ operation: () async throws -> T
    ) async throws -> T {
        do {
            return try await connection.whileOpen(operation)
        } catch is ConnectionCloseWatch.Disconnected {
            logger.info("client disconnected; upstream request cancelled")
            throw CancellationError()
        }
    }
}
