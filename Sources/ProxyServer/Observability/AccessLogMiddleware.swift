import HTTPTypes
import Hummingbird
import Logging
import ProxyCore
import ProxyStore

/// Starts each request's `RequestTrace` and reports it when the response is out (a stream reports its
/// own at its end); at debug it also logs the request's and the response's headers, secrets redacted.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = ProxyRequestContext
    let live: LiveSettings
    let metrics: ProxyMetrics
    /// With a store, each request's trace also writes its ledger row.
    let gateway: GatewayState?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let trace = startTrace(of: request, context: &context)
        do {
            let response = try await next(request, context)
            responded(response, trace: trace, logger: context.logger)
            return response
        } catch {
            trace.finish(status: 499)  // only cancellation gets here (the client left): errors are responses by now
            throw error
        }
    }

    // Out of line so that their temporaries stay out of `handle`'s frame, which sits on the connection
    // task's allocator for as long as a stream is held.

    @inline(never)
    private func startTrace(of request: Request, context: inout Context) -> RequestTrace {
        let hints = ClaudeCodeHints(
            requestClassHeader: request.headers[HTTPField.Name("x-claude-code-request-class")!],
            agentTypeHeader: request.headers[HTTPField.Name("x-claude-code-agent-type")!],
            sessionHeader: request.headers[HTTPField.Name("x-claude-code-session-id")!])
        context.hints = hints
        let trace = RequestTrace(
            method: request.method.rawValue, path: request.uri.path, hints: hints, metrics: metrics, logger: context.logger,
            ledger: gateway.map {
                RequestTrace.LedgerContext(gateway: $0, requestID: context.requestID, arrivedAt: WallClock.milliseconds())
            })
        context.trace = trace
        if context.logger.logLevel <= .debug { context.logger.debug("request headers: \(redacted(request.headers))") }
        return trace
    }

    @inline(never)
    private func responded(_ response: Response, trace: RequestTrace, logger: Logger) {
        if logger.logLevel <= .debug { logger.debug("response headers: \(redacted(response.headers))") }
        trace.responded(status: response.status.code)
    }

    /// Header lines with the client's keys and any configured secret removed.
    private func redacted(_ headers: HTTPFields) -> String {
        let redactor = live.snapshot.redactor
        return headers.map { field in
            let name = field.name.canonicalName
            let secret = name == "authorization" || name == "x-api-key" || name == "api-key" || name == "cookie"
            return "\(name): \(secret ? "[redacted]" : redactor.redact(field.value))"
        }.joined(separator: ", ")
    }
}
