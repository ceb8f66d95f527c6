/// The models the proxy can serve, as Claude Code's model discovery lists them
/// (`CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1`).
///
/// Claude Code only offers ids starting with `claude` in its `/model` picker, so each configured target
/// is published as `claude-proxy-<provider>-<model>`; a request for that id goes straight to the target.
package struct ModelCatalog: Sendable {
    package struct Entry: Sendable, Equatable {
        package var id: String
        package var displayName: String
        package var target: RouteStep
    }

    package let entries: [Entry]

    package init(settings: ProxySettings) {
        var seen = Set<String>()
        var entries: [Entry] = []
        for route in settings.routes {
            for step in [RouteStep(provider: route.provider, model: route.model)] + route.fallbacks {
                guard let model = step.model, let provider = settings.provider(named: step.provider) else { continue }
                let id = Self.alias(provider: provider.name, model: model)
                guard seen.insert(id).inserted else { continue }
                entries.append(Entry(id: id, displayName: "\(model) (\(provider.name), \(provider.type))", target: step))
            }
        }
        self.entries = entries
    }

    package func entry(id: String) -> Entry? {
        entries.first { $0.id == id }
    }

    static func alias(provider: String, model: String) -> String {
        let safe = "\(provider)-\(model)".lowercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "0"..."9", ".": return Character(scalar)
            default: return "-"
            }
        }
        return "claude-proxy-" + String(safe)
    }

    /// Anthropic's model object.
    package static func json(_ entry: Entry) -> JSONValue {
        ["type": "model", "id": .string(entry.id), "display_name": .string(entry.displayName), "created_at": "2026-01-01T00:00:00Z"]
    }

    /// Anthropic's list shape.
    package var listJSON: JSONValue {
        [
            "data": .array(entries.map(Self.json)),
            "has_more": false,
            "first_id": entries.first.map { .string($0.id) } ?? .null,
            "last_id": entries.last.map { .string($0.id) } ?? .null,
        ]
    }
}
