import CurlHTTP
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProxyCore

/// `POST /v1/messages` and `POST /v1/messages/count_tokens`.
struct MessagesRoutes: Sendable {
    let live: LiveSettings
    let client: CurlHTTPClient
    let connections: ConnectionRegistry

    func register(with router: Router<ProxyRequestContext>) {
        router.post("/v1/messages") { request, context in try await self.messages(request, context: context) }
        router.post("/v1/messages/count_tokens") { request, context in try await self.countTokens(request, context: context) }
    }

    // The async functions here stay thin: their frames sit on the connection task's allocator, whose
    // peak stays allocated for as long as the connection lives (a whole stream, then keep-alive). Work
    // without suspension points is in `@inline(never)` functions, whose temporaries live on the
    // thread's stack only while they run.

    private func messages(_ request: Request, context: ProxyRequestContext) async throws -> Response {
        let routes = live.routes  // this request's snapshot, whatever a reload does meanwhile
        let logger = context.logger
        let messagesRequest = try await Self.decodeMessages(request, limit: routes.settings.server.maxBodyBytes, logger: logger)
        let client = self.client
        let connection = connections.watch(for: context.channel)
        let (exchange, upstream) = try await Self.cancellingOnDisconnect(connection, logger: logger) {
            try await FallbackSender.send(messagesRequest, routes: routes, client: client, logger: logger)
        }
        if messagesRequest.stream {
            return Self.streamingResponse(
                exchange: exchange, upstream: upstream, routes: routes, connection: connection,
                eventLoop: context.channel.eventLoop, logger: logger)
        }
        let message = try await Self.cancellingOnDisconnect(connection, logger: logger) {
            try await Self.completeMessage(exchange: exchange, upstream: upstream, logger: logger)
        }
        return Self.labelled(Response.json(message.json), by: exchange)
    }

    @inline(never)
    private static func decodeMessages(_ request: Request, limit: Int, logger: Logger) async throws -> MessagesRequest {
        var decoded = try await decode(request, limit: limit)
        if let session = request.headers[HTTPField.Name("x-claude-code-session-id")!], !session.isEmpty {
            decoded.sessionID = session
        }
        let dropped = decoded.droppedBlockTypes
        if !dropped.isEmpty { logger.debug("dropped content blocks the upstream cannot take: \(Set(dropped).sorted().joined(separator: ", "))") }
        return decoded
    }

    @inline(never)
    private static func streamingResponse(
        exchange: UpstreamExchange, upstream: HTTPClientResponse, routes: ProviderRoutes, connection: ConnectionCloseWatch,
        eventLoop: any EventLoop, logger: Logger
    ) -> Response {
        let streaming = StreamingResponse(
            exchange: exchange, upstream: upstream, messageID: AnthropicID.make(prefix: "msg_"),
            shutdownGracePeriod: routes.settings.server.shutdownGracePeriod,
            pingInterval: routes.settings.server.pingInterval, redactor: routes.redactor, logger: logger
        )
        let response = Response(status: .ok, headers: streaming.headers, body: streaming.body(connection: connection, eventLoop: eventLoop))
        return labelled(response, by: exchange)
    }

    /// The route headers every answer carries.
    @inline(never)
    private static func labelled(_ response: Response, by exchange: UpstreamExchange) -> Response {
        var response = response
        response.headers[HTTPField.Name("x-proxy-route")!] = exchange.routeLabel
        response.headers[HTTPField.Name("x-proxy-provider")!] = exchange.providerName
        response.headers[HTTPField.Name("x-proxy-upstream-model")!] = exchange.upstreamModel
        return response
    }

    private static func completeMessage(
        exchange: UpstreamExchange, upstream: HTTPClientResponse, logger: Logger
    ) async throws -> AnthropicMessage {
        let body: [UInt8]
        do {
            body = try await upstream.body.collect(upTo: 64 * 1024 * 1024)
        } catch let error as HTTPClientError {
            throw UpstreamExchange.anthropicError(for: error, provider: exchange.providerName)
        }
        guard let json = try? JSONParser.parse(body) else {
            throw AnthropicError(.api, "provider '\(exchange.providerName)' sent an answer that is not JSON", status: 502)
        }
        let (message, resolved): (AnthropicMessage, ResolvedUsage)
        do {
            (message, resolved) = try exchange.message(from: json)
        } catch {
            throw AnthropicError(AnthropicErrorType(rawValue: error.errorType) ?? .api, "provider '\(exchange.providerName)': \(error.message)", status: 502)
        }
        logger.info("\(UsageLog.line(clientModel: exchange.clientModel, upstreamModel: exchange.upstreamModel, usage: resolved, streamed: false))")
        return message
    }

    private func countTokens(_ request: Request, context: ProxyRequestContext) async throws -> Response {
        let messagesRequest = try await Self.decode(request, limit: live.settings.server.maxBodyBytes)
        let count = TokenEstimator.estimateInput(of: messagesRequest)
        return Response.json(["input_tokens": .integer(Int64(count))], headers: [HTTPField.Name("x-proxy-token-count")!: "estimated"])
    }

    /// The request body as a `MessagesRequest`; malformed input is a 400 that names the problem.
    static func decode(_ request: Request, limit: Int) async throws -> MessagesRequest {
        if let type = request.headers[.contentType], !type.lowercased().contains("json") {
            throw AnthropicError.invalidRequest("content-type must be application/json, not '\(type)'")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw AnthropicError(.requestTooLarge, "request body is larger than the proxy's limit of \(limit) bytes")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw AnthropicError.invalidRequest("request body is not valid JSON: \(error)")
        }
        do {
            return try MessagesRequest(json: json)
        } catch {
            throw AnthropicError.invalidRequest(error.description)
        }
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
