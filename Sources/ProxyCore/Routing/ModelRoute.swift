/// A rule of config.yaml's `models:` list: client model names matching `pattern` go to `provider`.
package struct ModelRoute: Sendable, Equatable {
    /// A case-insensitive glob: `*` matches any run of characters (`*haiku*`, `claude-opus-*`).
    package var pattern: String
    package var provider: String
    /// The upstream model; nil sends the client's model name unchanged.
    package var model: String?

    package init(pattern: String, provider: String, model: String? = nil) {
        self.pattern = pattern
        self.provider = provider
        self.model = model
    }

    package func matches(_ clientModel: String) -> Bool {
        Glob.matches(pattern.lowercased(), clientModel.lowercased())
    }
}

/// Where one request goes.
package struct RouteTarget: Sendable, Equatable {
    package var provider: ProviderSettings
    package var upstreamModel: String
}

extension ProxySettings {
    /// The first route whose pattern matches, resolved against the providers; nil when none matches.
    package func target(forClientModel clientModel: String) -> RouteTarget? {
        guard let route = routes.first(where: { $0.matches(clientModel) }), let provider = provider(named: route.provider) else {
            return nil
        }
        return RouteTarget(provider: provider, upstreamModel: route.model ?? clientModel)
    }
}

enum Glob {
    /// `*`-only glob matching by backtracking over the last star; linear in practice.
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern.utf8)
        let text = Array(text.utf8)
        var p = 0
        var t = 0
        var star: Int?
        var starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                starText = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                p = star + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
