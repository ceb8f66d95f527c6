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
        /// The line under the name in Claude Code's `/model` picker: where the model is served, its
        /// window and its price when known (`openai/gpt-4o via claude-code-proxy · 128K context · $2.50 / $10.00 per Mtok`).
        package var description: String
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
                entries.append(
                    Entry(
                        id: id, displayName: name, description: Self.description(of: target), target: step, metadata: target.metadata))
            }
        }
        self.entries = entries
    }

    package func entry(id: String) -> Entry? {
        entries.first { $0.id == id }
    }

    static func description(of target: RouteTarget) -> String {
        var parts = ["\(target.label) via claude-code-proxy"]
        if let window = target.metadata.contextWindow { parts.append("\(tokenCount(window)) context") }
        let prices = target.metadata.prices
        if let input = prices.input, let output = prices.output {
            parts.append("\(Dollars.text(input)) / \(Dollars.text(output)) per Mtok")
        }
        return parts.joined(separator: " · ")
    }

    /// `4000`, `128K`, `1M`, `1.1M` (a tenth at most).
    static func tokenCount(_ tokens: Int) -> String {
        func scaled(_ unit: Int, _ suffix: String) -> String {
            let tenths = (tokens * 10 + unit / 2) / unit
            return (tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)") + suffix
        }
        if tokens >= 1_000_000 { return scaled(1_000_000, "M") }
        if tokens >= 10_000 { return scaled(1000, "K") }
        return "\(tokens)"
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
