import HTTPTypes
import Hummingbird
import NIOCore
import ProxyCore
import ProxyStore

/// The admin API (`/admin/…`): managed keys and usage over HTTP, the same operations as the
/// `claude-code-proxy keys` commands. Only the keys of `server.admin_keys` may call it (client keys may
/// not); without admin keys, or without a store, it does not exist (404).
///
/// - `GET /admin/keys`: every key (`{"data": [...]}`), revoked ones included.
/// - `POST /admin/keys` `{"name", "budget_usd", "budget_period", "rpm", "tpm", "models", "expires"}`:
///   a new key (201), its secret in `key`, shown this once.
/// - `GET /admin/keys/{name}`: one key, with its spend in the current budget period.
/// - `POST /admin/keys/{name}/revoke`: revokes it on every replica.
/// - `GET /admin/usage?key=NAME&since=7d`: use by key name.
struct AdminEndpoints: Sendable {
    let live: LiveSettings
    let gateway: GatewayState?

    func register(with router: Router<ProxyRequestContext>) {
        router.get("/admin/keys") { request, _ in
            let store = try authorize(request)
            let keys = try await Self.storeCall { try await store.keys() }
            let now = WallClock.milliseconds()
            return Response.json(["data": .array(keys.map { $0.json(now: now) })])
        }
        router.post("/admin/keys") { request, _ in
            let store = try authorize(request)
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: 64 * 1024)
            } catch is NIOTooManyBytesError {
                throw AnthropicError(.requestTooLarge, "a key's description is at most 64 KB")
            }
            let new = try Self.newKey(from: body)
            let (key, secret) = try await Self.storeCall { try await store.createKey(new) }
            return Response.json(key.json(secret: secret), status: .created)
        }
        router.get("/admin/keys/:name") { request, context in
            let store = try authorize(request)
            let name = context.parameters.get("name") ?? ""
            guard let key = try await Self.storeCall({ try await store.key(named: name) }) else { throw StoreError.noSuchKey(name) }
            let now = WallClock.milliseconds()
            let spend = try await Self.storeCall { try await store.spend(of: key, now: now) }
            return Response.json(key.json(now: now, spend: spend))
        }
        router.post("/admin/keys/:name/revoke") { request, context in
            let store = try authorize(request)
            let name = context.parameters.get("name") ?? ""
            let key = try await Self.storeCall { try await store.revokeKey(named: name) }
            return Response.json(key.json())
        }
        router.get("/admin/usage") { request, _ in
            let store = try authorize(request)
            let query = request.uri.queryParameters
            let name = query["key"].map(String.init)
            var since: Int64?
            if let text = query["since"] {
                guard let parsed = UsageSince.parse(String(text)) else {
                    throw AnthropicError.invalidRequest(
                        "since must be YYYY-MM-DD, an ISO 8601 time, or a span such as 24h or 7d, not '\(text)'")
                }
                since = parsed
            }
            let from = since
            let usage = try await Self.storeCall { try await store.usage(keyName: name, since: from) }
            return Response.json(["data": .array(usage.map(\.json))])
        }
    }

    /// The store, when the request carries an admin key; the admin API's 404 or 401 otherwise.
    private func authorize(_ request: Request) throws(AnthropicError) -> GatewayStore {
        let keys = live.settings.server.adminKeys
        guard let gateway, !keys.isEmpty else {
            throw AnthropicError.notFound(
                "no route for \(request.method) \(request.uri.path): the admin API needs a store and server.admin_keys")
        }
        let presented = ClientAuthMiddleware.presentedKey(request)
        guard let presented, keys.contains(where: { ConstantTime.equal(Array($0.utf8), Array(presented.utf8)) }) else {
            throw AnthropicError(.authentication, "the admin API takes only the keys of server.admin_keys")
        }
        return gateway.store
    }

    /// A store call bounded in time; a store that fails or does not answer is a 503.
    private static func storeCall<Result: Sendable>(_ call: @escaping @Sendable () async throws -> Result) async throws -> Result {
        do {
            return try await withTimeLimit(.seconds(10), call)
        } catch let error as StoreError {
            throw error
        } catch {
            throw AnthropicError(.overloaded, "the proxy's store is unavailable: \(error)", status: 503)
        }
    }

    /// The key a `POST /admin/keys` body describes.
    private static func newKey(from body: ByteBuffer) throws(AnthropicError) -> GatewayStore.NewKey {
        guard let json = try? JSONParser.parse(Array(body.readableBytesView)), json.objectValue != nil else {
            throw AnthropicError.invalidRequest("the body must be a JSON object such as {\"name\": \"alice\", \"budget_usd\": 20}")
        }
        let known = ["name", "budget_usd", "budget_period", "rpm", "tpm", "models", "expires"]
        if let unknown = json.objectValue?.first(where: { !known.contains($0.key) }) {
            throw AnthropicError.invalidRequest("unknown field '\(unknown.key)'; the fields are \(known.joined(separator: ", "))")
        }
        guard let name = json["name"]?.stringValue else { throw AnthropicError.invalidRequest("name: a string is required") }
        var limits = KeyLimits()
        if let budget = json["budget_usd"], budget != .null {
            guard let value = budget.doubleValue else { throw AnthropicError.invalidRequest("budget_usd must be a number of dollars") }
            limits.budget = value
        }
        if let period = json["budget_period"], period != .null {
            guard limits.budget != nil else { throw AnthropicError.invalidRequest("budget_period needs budget_usd") }
            guard let value = period.stringValue.flatMap(BudgetPeriod.init(rawValue:)) else {
                throw AnthropicError.invalidRequest("budget_period must be one of day, week, month, total")
            }
            limits.budgetPeriod = value
        }
        for (field, path) in [("rpm", \KeyLimits.requestsPerMinute), ("tpm", \KeyLimits.tokensPerMinute)] {
            guard let value = json[field], value != .null else { continue }
            guard let number = value.intValue else { throw AnthropicError.invalidRequest("\(field) must be a whole number") }
            limits[keyPath: path] = number
        }
        if let models = json["models"], models != .null {
            if let list = models.arrayValue?.compactMap(\.stringValue), list.count == models.arrayValue?.count {
                limits.models = list
            } else if let text = models.stringValue {
                limits.models = GatewayStore.NewKey.models(text)
            } else {
                throw AnthropicError.invalidRequest("models must be a list of globs such as [\"claude-haiku-*\"]")
            }
        }
        var expiresAt: Int64?
        if let expires = json["expires"], expires != .null {
            guard let day = expires.stringValue, let value = GatewayStore.NewKey.expiry(day: day) else {
                throw AnthropicError.invalidRequest("expires must be a day, YYYY-MM-DD")
            }
            expiresAt = value
        }
        return GatewayStore.NewKey(name: name, limits: limits, expiresAt: expiresAt)
    }
}
