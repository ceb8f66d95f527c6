import HTTPTypes
import Hummingbird
import Logging
import ProxyCore

/// Starts each request's `RequestTrace` and reports it when the response is out (a stream reports its
/// own at its end); at debug it also logs the request's and the response's headers, secrets redacted.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = ProxyRequestContext
    let live: LiveSettings
    let metrics: ProxyMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let trace = RequestTrace(method: request.method.rawValue, path: request.uri.path, metrics: metrics, logger: context.logger)
        context.trace = trace
        if context.logger.logLevel <= .debug { context.logger.debug("request headers: \(redacted(request.headers))") }
        do {
            let response = try await next(request, context)
            if context.logger.logLevel <= .debug { context.logger.debug("response headers: \(redacted(response.headers))") }
            trace.responded(status: response.status.code)
            return response
        } catch {
            trace.finish(status: 499)  // only cancellation gets here (the client left): errors are responses by now
            throw error
        }
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
