import Hummingbird
import Logging
import ProxyCore

/// Turns every failure into an Anthropic-shaped error response: every error that renders itself
/// (`AnthropicErrorRepresentable`), Hummingbird's (unknown path → 404, unsupported method), and anything
/// unexpected (→ 500, logged).
struct AnthropicErrorMiddleware: RouterMiddleware {
    typealias Context = ProxyRequestContext
    /// Error messages can quote an upstream's answer, which may quote the key it rejected.
    let live: LiveSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as any AnthropicErrorRepresentable {
            var error = failure.anthropicError
            error.message = live.snapshot.redactor.redact(error.message)
            context.logger.info("\(request.method) \(request.uri.path) → \(error.status) \(error.type.rawValue): \(error.message)")
            return error.response(requestID: context.requestID)
        } catch let error as HTTPError {
            let anthropic: AnthropicError
            if error.status == .notFound {
                anthropic = .notFound("no route for \(request.method) \(request.uri.path)")
            } else {
                anthropic = AnthropicError(
                    AnthropicErrorType(upstreamStatus: error.status.code), error.body ?? error.status.reasonPhrase,
                    status: error.status.code)
            }
            context.logger.debug("\(request.method) \(request.uri.path) → \(anthropic.status)")
            return anthropic.response(requestID: context.requestID)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return AnthropicError(.api, "internal proxy error").response(requestID: context.requestID)
        }
    }
}
