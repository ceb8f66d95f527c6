/// What is known of one upstream model: its context window, its output cap, its name in a model picker, what
/// it takes (images, thinking, effort levels), and what its tokens cost. A route's own values win over those
/// of its provider's profile (`models: { NAME: { … } }`); what neither says is unknown (nil).
package struct ModelMetadata: Sendable, Equatable {
    /// The largest prompt, in tokens; a longer one is refused before it is sent upstream.
    package var contextWindow: Int?
    /// The largest `max_tokens` the model takes; a larger one is lowered to it.
    package var maxOutputTokens: Int?
    /// The name Claude Code's `/model` picker shows.
    package var displayName: String?
    /// Whether the model takes image input.
    package var vision: Bool?
    /// Whether the model thinks when asked (extended or adaptive thinking).
    package var thinking: Bool?
    /// The effort levels the model takes (`low`, `medium`, `high`, `xhigh`, `max`); empty: none.
    package var effort: [String]?
    /// What its tokens cost, for the budgets of managed client keys.
    package var prices: ModelPrices

    /// The effort levels a config may name.
    package static let effortLevels = ["low", "medium", "high", "xhigh", "max"]
    /// The keys of a metadata mapping, as config.yaml and the profiles spell them.
    package static let keys = ["context_window", "max_output_tokens", "display_name", "vision", "thinking", "effort"] + ModelPrices.keys

    package init(
        contextWindow: Int? = nil, maxOutputTokens: Int? = nil, displayName: String? = nil, vision: Bool? = nil, thinking: Bool? = nil,
        effort: [String]? = nil, prices: ModelPrices = ModelPrices()
    ) {
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
        self.displayName = displayName
        self.vision = vision
        self.thinking = thinking
        self.effort = effort
        self.prices = prices
    }

    /// A profile's `{ context_window: N, … }`; nil when a key is unknown or a value has the wrong type.
    package init?(json: JSONValue) {
        guard let members = json.objectValue, members.allSatisfy({ Self.keys.contains($0.key) }) else { return nil }
        prices = ModelPrices()
        for key in ["context_window", "max_output_tokens"] {
            guard let value = json[key] else { continue }
            guard let tokens = value.intValue, tokens > 0 else { return nil }
            if key == "context_window" { contextWindow = tokens } else { maxOutputTokens = tokens }
        }
        if let name = json["display_name"] {
            guard let text = name.stringValue else { return nil }
            displayName = text
        }
        if let vision = json["vision"] {
            guard let flag = vision.boolValue else { return nil }
            self.vision = flag
        }
        if let thinking = json["thinking"] {
            guard let flag = thinking.boolValue else { return nil }
            self.thinking = flag
        }
        if let effort = json["effort"] {
            guard let levels = effort.arrayValue?.compactMap(\.stringValue), levels.count == effort.arrayValue?.count,
                levels.allSatisfy(Self.effortLevels.contains)
            else { return nil }
            self.effort = levels
        }
        for key in ModelPrices.keys {
            guard let value = json[key] else { continue }
            guard let price = value.doubleValue, price >= 0 else { return nil }
            prices[key] = price
        }
    }

    /// These values, with what they leave unknown taken from `defaults`.
    package func merged(over defaults: ModelMetadata?) -> ModelMetadata {
        guard let defaults else { return self }
        return ModelMetadata(
            contextWindow: contextWindow ?? defaults.contextWindow, maxOutputTokens: maxOutputTokens ?? defaults.maxOutputTokens,
            displayName: displayName ?? defaults.displayName, vision: vision ?? defaults.vision, thinking: thinking ?? defaults.thinking,
            effort: effort ?? defaults.effort, prices: prices.merged(over: defaults.prices))
    }
}
