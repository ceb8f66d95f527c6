import HTTPTypes
import Hummingbird
import Logging
import ProxyCore

/// Gives each request an id (`req_…`) in its logger metadata and in the `request-id` response header,
/// so a user's error report can be matched to the proxy's log lines.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = ProxyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = AnthropicID.make(prefix: "req_")
        context.logger[metadataKey: "hb.request.id"] = nil  // one id per line is enough
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response = try await next(request, context)
        response.headers[HTTPField.Name("request-id")!] = context.requestID
        return response
    }
}
