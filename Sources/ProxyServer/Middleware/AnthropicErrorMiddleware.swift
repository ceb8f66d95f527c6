import Hummingbird
import Logging
import NIOHTTP1
import ProxyCore

/// Turns every failure into an Anthropic-shaped error response: every error that renders itself
/// (`AnthropicErrorRepresentable`), Hummingbird's (unknown path → 404, unsupported method), a request
/// the client broke off or garbled (→ 400, logged at info: the client failed, not the proxy), and
/// anything unexpected (→ 500, logged as an error).
struct AnthropicErrorMiddleware: RouterMiddleware {
    typealias Context = ProxyRequestContext
    /// Error messages can quote an upstream's answer, which may quote the key it rejected.
    let live: LiveSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try response(for: error, to: request, context: context)
        }
    }

    // Out of line, as the other async functions on the request path keep their work: this frame sits on
    // the connection task's allocator, whose peak stays allocated while a stream is held.
    @inline(never)
    private func response(for error: any Error, to request: Request, context: Context) throws -> Response {
        let path = request.uri.path
        switch error {
        case let failure as any AnthropicErrorRepresentable:
            var error = failure.anthropicError
            error.message = live.snapshot.redactor.redact(error.message)
            context.logger.info("\(request.method) \(path) → \(error.status) \(error.type.rawValue): \(error.message)")
            return error.response(requestID: context.requestID)
        case let error as HTTPError:
            let anthropic: AnthropicError
            if error.status == .notFound {
                anthropic = .notFound("no route for \(request.method) \(path)")
            } else {
                anthropic = AnthropicError(
                    AnthropicErrorType(upstreamStatus: error.status.code), error.body ?? error.status.reasonPhrase,
                    status: error.status.code)
            }
            context.logger.debug("\(request.method) \(path) → \(anthropic.status)")
            return anthropic.response(requestID: context.requestID)
        case is CancellationError:
            throw CancellationError()
        case let error as HTTPParserError:
            context.logger.info("\(request.method) \(path): the client's request ended early or was malformed (\(error))")
            return AnthropicError.invalidRequest("the request ended early or was malformed: \(error)").response(
                requestID: context.requestID)
        default:
            context.logger.error("\(request.method) \(path) failed: \(error)")
            return AnthropicError(.api, "internal proxy error").response(requestID: context.requestID)
        }
    }
}
