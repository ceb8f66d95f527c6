/// A rule of config.yaml's `models:` list: client model names matching `pattern` go to `provider`.
package struct ModelRoute: Sendable, Equatable {
    /// A case-insensitive glob: `*` matches any run of characters (`*haiku*`, `claude-opus-*`).
    package var pattern: String
    package var provider: String
    /// The upstream model; nil sends the client's model name unchanged.
    package var model: String?
    /// Tried in order when the target before fails before anything reached the client.
    package var fallbacks: [RouteStep]
    /// Further conditions on the request (thinking, long context, images, web search, sub-agent).
    package var conditions: RouteConditions
    /// What is known of the route's own target (its context window…), over its provider profile's values.
    package var metadata: ModelMetadata

    package init(
        pattern: String, provider: String, model: String? = nil, fallbacks: [RouteStep] = [],
        conditions: RouteConditions = RouteConditions(), metadata: ModelMetadata = ModelMetadata()
    ) {
        self.pattern = pattern
        self.provider = provider
        self.model = model
        self.fallbacks = fallbacks
        self.conditions = conditions
        self.metadata = metadata
    }

    /// The route's target, then its fallbacks.
    package var steps: [RouteStep] {
        [RouteStep(provider: provider, model: model, metadata: metadata)] + fallbacks
    }

    package func matches(_ clientModel: String) -> Bool {
        Glob.matches(pattern.lowercased(), clientModel.lowercased())
    }

    package func matches(_ traits: RequestTraits) -> Bool {
        matches(traits.model) && conditions.hold(for: traits)
    }
}

/// A fallback of a route: another provider, and optionally another model.
package struct RouteStep: Sendable, Equatable {
    package var provider: String
    package var model: String?
    /// What the config says of this target's model (over its provider profile's values).
    package var metadata: ModelMetadata

    package init(provider: String, model: String? = nil, metadata: ModelMetadata = ModelMetadata()) {
        self.provider = provider
        self.model = model
        self.metadata = metadata
    }
}

/// Where one request goes.
package struct RouteTarget: Sendable, Equatable {
    package var provider: ProviderSettings
    package var upstreamModel: String
    /// The route's values for this target over those of its provider's profile.
    package var metadata: ModelMetadata

    package init(provider: ProviderSettings, upstreamModel: String, metadata: ModelMetadata = ModelMetadata()) {
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.metadata = metadata
    }

    /// `provider/model`, as logged and returned in `x-proxy-route`.
    package var label: String { "\(provider.name)/\(upstreamModel)" }
}

extension ProxySettings {
    /// The first route that matches the request: its target, then its fallbacks; empty when none
    /// matches. A model id published in `catalog` goes straight to its target.
    package func targets(for traits: RequestTraits, catalog: ModelCatalog? = nil) -> [RouteTarget] {
        let steps: [RouteStep]
        if let published = catalog?.entry(id: traits.model) {
            steps = [published.target]
        } else if let route = routes.first(where: { $0.matches(traits) }) {
            steps = route.steps
        } else {
            return []
        }
        return steps.compactMap { step in target(of: step, clientModel: traits.model) }
    }

    /// The smallest context window known among the routes' targets, nil when none is known: the window
    /// `claude-code-proxy code` gives Claude Code, so that a session compacts before a route refuses it.
    package var smallestContextWindow: Int? {
        let windows = routes.flatMap(\.steps).compactMap { step in
            guard let model = step.model else { return step.metadata.contextWindow }
            return target(of: step, clientModel: model)?.metadata.contextWindow
        }
        return windows.min()
    }

    /// Where a route step sends a request for `clientModel`, with what is known of that model.
    package func target(of step: RouteStep, clientModel: String) -> RouteTarget? {
        guard let provider = provider(named: step.provider) else { return nil }
        let model = step.model ?? clientModel
        return RouteTarget(
            provider: provider, upstreamModel: model, metadata: step.metadata.merged(over: provider.quirks[Quirks.models][model]))
    }
}

package enum Glob {
    /// `*`-only glob matching by backtracking over the last star; linear in practice.
    package static func matches(_ pattern: String, _ text: String) -> Bool {
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
