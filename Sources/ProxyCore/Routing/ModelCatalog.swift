/// The models the proxy can serve, as Claude Code's model discovery lists them
/// (`CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1`).
///
/// Claude Code only offers ids containing `claude` or `anthropic` in its `/model` picker, so each configured
/// target is published as `claude-proxy-<provider>-<model>`; a request for that id goes straight to the target.
package struct ModelCatalog: Sendable {
    /// One published target.
    package struct Entry: Sendable, Equatable {
        package var id: String
        package var displayName: String
        package var target: RouteStep
        /// The route's values for the target over its provider profile's.
        package var metadata: ModelMetadata
    }

    package let entries: [Entry]

    package init(settings: ProxySettings) {
        var seen = Set<String>()
        var entries: [Entry] = []
        for route in settings.routes {
            for step in route.steps {
                guard let model = step.model, let target = settings.target(of: step, clientModel: model) else { continue }
                let id = Self.alias(provider: target.provider.name, model: model)
                guard seen.insert(id).inserted else { continue }
                let name = target.metadata.displayName ?? "\(model) (\(target.provider.name), \(target.provider.type))"
                entries.append(Entry(id: id, displayName: name, target: step, metadata: target.metadata))
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
}
