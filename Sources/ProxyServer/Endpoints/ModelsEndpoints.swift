import Hummingbird
import ProxyCore

/// `GET /v1/models` and `GET /v1/models/{id}` in Anthropic's list shape (docs/translation.md §8), and
/// `GET /api/claude_cli/bootstrap`, which tells Claude Code the same models and their compaction windows.
struct ModelsEndpoints: Sendable {
    let live: LiveSettings

    func register(with router: Router<ProxyRequestContext>) {
        router.get("/v1/models") { request, _ in
            Response.json(live.snapshot.catalog.listJSON(try Self.page(of: request)))
        }
        router.get("/v1/models/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let entry = live.snapshot.catalog.entry(id: RequestTraits.routedName(of: id)) else {
                throw AnthropicError.notFound("model '\(id)' is not served by this proxy")
            }
            return Response.json(ModelCatalog.json(entry))
        }
        router.get("/api/claude_cli/bootstrap") { _, _ in Response.json(live.snapshot.catalog.bootstrapJSON) }
    }

    /// `limit`, `after_id` and `before_id`; a `limit` that is not a number from 1 to 1000 is a 400.
    private static func page(of request: Request) throws(AnthropicError) -> ModelCatalog.Page {
        let query = request.uri.queryParameters
        var page = ModelCatalog.Page()
        if let text = query["limit"] {
            guard let limit = Int(String(text)), ModelCatalog.Page.limits.contains(limit) else {
                throw AnthropicError.invalidRequest(
                    "limit must be a number from \(ModelCatalog.Page.limits.lowerBound) to \(ModelCatalog.Page.limits.upperBound), not '\(text)'"
                )
            }
            page.limit = limit
        }
        page.afterID = query["after_id"].map(String.init)
        page.beforeID = query["before_id"].map(String.init)
        return page
    }
}
