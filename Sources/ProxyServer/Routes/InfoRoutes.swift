import HTTPTypes
import Hummingbird
import NIOCore
import ProxyCore

/// `GET /`, `HEAD /` and `GET /health`: what this proxy is and whether it is up, for people and probes.
struct InfoRoutes: Sendable {
    let settings: ProxySettings
    let version: String

    func register(with router: Router<ProxyRequestContext>) {
        router.get("/") { _, _ in Self.json(self.index) }
        router.head("/") { _, _ in Response(status: .ok) }
        router.get("/health") { _, _ in Self.json(["status": "healthy"]) }
    }

    private var index: JSONValue {
        [
            "message": .string("claude-code-proxy \(version): Anthropic Messages API on OpenAI-compatible providers"),
            "status": "running",
            "providers": .array(settings.providers.map { provider in
                ["name": .string(provider.name), "type": .string(provider.type), "base_url": .string(provider.baseURL)]
            }),
            "routes": .array(settings.routes.map { route in
                ["match": .string(route.pattern), "provider": .string(route.provider), "model": route.model.map(JSONValue.string) ?? .null]
            }),
            "client_api_key_required": .bool(!settings.server.apiKeys.isEmpty),
        ]
    }

    private static func json(_ value: JSONValue) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}
