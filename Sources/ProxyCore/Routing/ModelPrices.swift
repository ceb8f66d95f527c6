/// What a model's tokens cost, in US dollars per million tokens of each kind, so that the proxy can price
/// each request against the budgets of managed client keys.
///
/// A cache price left unset is charged at the input price: a budget errs towards spending early rather
/// than late. A model without any price costs nothing.
package struct ModelPrices: Sendable, Equatable {
    /// Prompt tokens neither read from nor written to a cache (`input_cost_per_mtok`).
    package var input: Double?
    /// Generated tokens (`output_cost_per_mtok`).
    package var output: Double?
    /// Prompt tokens read from a cache (`cache_read_cost_per_mtok`).
    package var cacheRead: Double?
    /// Prompt tokens written to a cache (`cache_write_cost_per_mtok`).
    package var cacheWrite: Double?

    /// The config keys, in the order above.
    package static let keys = ["input_cost_per_mtok", "output_cost_per_mtok", "cache_read_cost_per_mtok", "cache_write_cost_per_mtok"]

    package init(input: Double? = nil, output: Double? = nil, cacheRead: Double? = nil, cacheWrite: Double? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
    }

    /// Whether any price is known.
    package var isPriced: Bool { input != nil || output != nil || cacheRead != nil || cacheWrite != nil }

    /// The cost of one answer's usage, in US dollars.
    package func cost(of usage: TokenUsage) -> Double {
        let perToken = 1.0 / 1_000_000
        let input = self.input ?? 0
        return
            (Double(usage.inputTokens) * input + Double(usage.outputTokens) * (output ?? 0)
            + Double(usage.cacheReadInputTokens) * (cacheRead ?? input)
            + Double(usage.cacheCreationInputTokens) * (cacheWrite ?? input)) * perToken
    }

    /// These prices, with those they leave unknown taken from `defaults`.
    package func merged(over defaults: ModelPrices) -> ModelPrices {
        ModelPrices(
            input: input ?? defaults.input, output: output ?? defaults.output, cacheRead: cacheRead ?? defaults.cacheRead,
            cacheWrite: cacheWrite ?? defaults.cacheWrite)
    }

    /// The price under `key` (one of `keys`).
    package subscript(key: String) -> Double? {
        get {
            switch key {
            case "input_cost_per_mtok": return input
            case "output_cost_per_mtok": return output
            case "cache_read_cost_per_mtok": return cacheRead
            case "cache_write_cost_per_mtok": return cacheWrite
            default: return nil
            }
        }
        set {
            switch key {
            case "input_cost_per_mtok": input = newValue
            case "output_cost_per_mtok": output = newValue
            case "cache_read_cost_per_mtok": cacheRead = newValue
            case "cache_write_cost_per_mtok": cacheWrite = newValue
            default: break
            }
        }
    }
}
