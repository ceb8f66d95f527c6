import Hummingbird
import ProxyCore

/// `GET /v1/models` and `GET /v1/models/{id}` in Anthropic's list shape (docs/translation.md §8).
struct ModelsEndpoints: Sendable {
    let live: LiveSettings

    func register(with router: Router<ProxyRequestContext>) {
        router.get("/v1/models") { _, _ in Response.json(live.snapshot.catalog.listJSON) }
        router.get("/v1/models/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let entry = live.snapshot.catalog.entry(id: id) else {
                throw AnthropicError.notFound("model '\(id)' is not served by this proxy")
            }
            return Response.json(ModelCatalog.json(entry))
        }
    }

}
