import HTTPTypes
import Hummingbird
import ProxyCore

/// Requires one of the configured client keys on API endpoints, sent as `x-api-key` (preferred) or
/// `Authorization: Bearer`; `/metrics` too unless `server.metrics: open`. The health and index endpoints
/// stay open for probes.
struct ClientAuthMiddleware: RouterMiddleware {
    typealias Context = ProxyRequestContext
    let live: LiveSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let server = live.settings.server
        let keys = server.apiKeys
        let path = request.uri.path
        guard !keys.isEmpty, path.hasPrefix("/v1/") || (path == "/metrics" && server.metrics == .key) else {
            return try await next(request, context)
        }
        guard let presented = Self.presentedKey(request).map({ Array($0.utf8) }),
            keys.contains(where: { ConstantTime.equal(Array($0.utf8), presented) })
        else {
            throw AnthropicError(
                .authentication, "the proxy rejected your API key: send one of its configured keys as x-api-key",
                headers: [HTTPHeader("x-should-retry", "false")]
            )
        }
        return try await next(request, context)
    }

    private static func presentedKey(_ request: Request) -> String? {
        if let key = request.headers[HTTPField.Name("x-api-key")!], !key.isEmpty { return key }
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst("bearer ".count))
        }
        return nil
    }
}

/// Comparison whose time does not depend on where the inputs differ, so keys cannot be guessed byte by
/// byte from response times.
enum ConstantTime {
    static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        for index in 0..<max(lhs.count, rhs.count) {
            let a = index < lhs.count ? lhs[index] : 0
            let b = index < rhs.count ? rhs[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}
