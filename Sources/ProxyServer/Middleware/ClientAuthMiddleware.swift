import HTTPTypes
import Hummingbird
import ProxyCore
import ProxyStore

/// Requires a client key on API endpoints, sent as `x-api-key` (preferred) or `Authorization: Bearer`;
/// `/metrics` too unless `server.metrics: open`. The health and index endpoints stay open for probes. A
/// key is one of `server.api_keys` (compared in constant time) or, with a store, a managed key (looked up
/// by its SHA-256); it becomes the request's `client`. `/metrics` takes static and admin keys only. Without
/// either kind of client key, the API is open.
struct ClientAuthMiddleware: RouterMiddleware {
    typealias Context = ProxyRequestContext
    let live: LiveSettings
    let gateway: GatewayState?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let snapshot = live.snapshot
        let server = snapshot.settings.server
        let path = request.uri.path
        guard path.hasPrefix("/v1/") || (path == "/metrics" && server.metrics == .key) else {
            return try await next(request, context)
        }
        guard !server.apiKeys.isEmpty || gateway != nil else {
            context.trace?.identified(.anonymous)
            return try await next(request, context)
        }
        if path == "/metrics" {
            try Self.authorizeMetrics(Self.presentedKey(request), keys: server.apiKeys + server.adminKeys)
            return try await next(request, context)
        }
        let client = try identify(Self.presentedKey(request), keys: server.apiKeys, clients: snapshot.staticClients)
        context.trace?.identified(client)
        var context = context
        context.client = client
        return try await next(request, context)
    }

    @inline(never)
    private func identify(_ presented: String?, keys: [String], clients: [ClientIdentity]) throws(AnthropicError) -> ClientIdentity {
        guard let presented else { throw Self.rejected("the proxy rejected your API key: send one of its configured keys as x-api-key") }
        let bytes = Array(presented.utf8)
        if let index = keys.firstIndex(where: { ConstantTime.equal(Array($0.utf8), bytes) }) { return clients[index] }
        guard let gateway else { throw Self.rejected("the proxy rejected your API key: send one of its configured keys as x-api-key") }
        switch gateway.directory.lookup(hash: KeySecret.hash(presented)) {
        case .found(let key):
            if let refusal = key.refusal(at: WallClock.milliseconds()) {
                throw Self.rejected("the proxy rejected your API key: \(refusal)")
            }
            return .managed(key)
        case .unknown:
            throw Self.rejected("the proxy rejected your API key: it is neither one of its keys nor a managed key it knows")
        case .unavailable(let reason):
            throw AnthropicError(.overloaded, reason, status: 503, headers: [HTTPHeader("retry-after", "10")])
        }
    }

    /// `/metrics` names every client key and what it spent: only the operators' keys (static and admin) may
    /// read it, not each developer's managed key.
    @inline(never)
    private static func authorizeMetrics(_ presented: String?, keys: [String]) throws(AnthropicError) {
        guard let presented, keys.contains(where: { ConstantTime.equal(Array($0.utf8), Array(presented.utf8)) }) else {
            throw rejected("the proxy's metrics take one of its static (server.api_keys) or admin keys")
        }
    }

    private static func rejected(_ message: String) -> AnthropicError {
        AnthropicError(.authentication, message)
    }

    /// The key a request presents: `x-api-key`, else `Authorization: Bearer`.
    static func presentedKey(_ request: Request) -> String? {
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
