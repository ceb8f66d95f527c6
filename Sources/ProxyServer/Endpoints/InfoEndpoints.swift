import Hummingbird
import ProxyCore

/// `GET /`, `HEAD /` and `GET /health`: what this proxy is and whether it is up, for people and probes.
///
/// `/health` answers 200 while the proxy serves, whatever its store's state (which it reports as `store`):
/// static keys keep working while the store is down, so a load balancer should keep sending requests.
struct InfoEndpoints: Sendable {
    let live: LiveSettings
    let version: String
    let gateway: GatewayState?

    func register(with router: Router<ProxyRequestContext>) {
        router.get("/") { _, _ in Response.json(self.index) }
        router.head("/") { _, _ in Response(status: .ok) }
        router.get("/health") { _, _ in
            guard let gateway else { return Response.json(["status": "healthy"]) }
            let store = gateway.isReady || !gateway.health.isHealthy ? gateway.health.summary : "starting"
            return Response.json(["status": "healthy", "store": .string(store)])
        }
    }

    private var index: JSONValue {
        let settings = live.settings
        return [
            "message": .string("claude-code-proxy \(version): Anthropic Messages API on OpenAI-compatible providers"),
            "status": "running",
            "providers": .array(
                settings.providers.map { provider in
                    ["name": .string(provider.name), "type": .string(provider.type), "base_url": .string(provider.baseURL)]
                }),
            "routes": .array(
                settings.routes.map { route in
                    [
                        "match": .string(route.pattern), "provider": .string(route.provider),
                        "model": route.model.map(JSONValue.string) ?? .null,
                    ]
                }),
            "client_api_key_required": .bool(!settings.server.apiKeys.isEmpty || gateway != nil),
        ]
    }

}
