import HTTPTypes
import Hummingbird
import NIOCore
import ProxyCore

/// `GET /v1/models` and `GET /v1/models/{id}` in Anthropic's list shape (translation.md §8).
struct ModelsRoutes: Sendable {
    let catalog: ModelCatalog

    func register(with router: Router<ProxyRequestContext>) {
        router.get("/v1/models") { _, _ in Self.json(catalog.listJSON) }
        router.get("/v1/models/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let entry = catalog.entry(id: id) else {
                throw AnthropicError.notFound("model '\(id)' is not served by this proxy")
            }
            return Self.json(ModelCatalog.json(entry))
        }
    }

    static func json(_ value: JSONValue) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}
