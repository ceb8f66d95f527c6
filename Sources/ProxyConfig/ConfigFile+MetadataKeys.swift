import ProxyCore

extension ConfigDocument {
    /// A target's `context_window`, `max_output_tokens`, `display_name`, `vision`, `thinking`, `effort` and
    /// its prices (`input_cost_per_mtok`…), decoded from the mapping of its route or fallback (which shares
    /// its key check with them).
    struct MetadataKeys: Decodable {
        var contextWindow: YAMLMarked<Int>?
        var maxOutputTokens: YAMLMarked<Int>?
        var displayName: String?
        var vision: Bool?
        var thinking: Bool?
        var effort: [ConfigString]?
        var inputCost: YAMLMarked<Double>?
        var outputCost: YAMLMarked<Double>?
        var cacheReadCost: YAMLMarked<Double>?
        var cacheWriteCost: YAMLMarked<Double>?

        enum CodingKeys: String, CodingKey {
            case vision, thinking, effort
            case contextWindow = "context_window"
            case maxOutputTokens = "max_output_tokens"
            case displayName = "display_name"
            case inputCost = "input_cost_per_mtok"
            case outputCost = "output_cost_per_mtok"
            case cacheReadCost = "cache_read_cost_per_mtok"
            case cacheWriteCost = "cache_write_cost_per_mtok"
        }

        /// The metadata, with each value out of range reported at its line (`path` is the route's).
        func metadata(path: String, file: String, problems: inout YAMLProblems) -> ModelMetadata {
            func positive(_ value: YAMLMarked<Int>?, key: String) -> Int? {
                value?.atLeast(1, key: key, in: path, file: file, problems: &problems)
            }
            var levels: [String]?
            for level in effort ?? [] {
                guard ModelMetadata.effortLevels.contains(level.value) else {
                    problems.append(
                        YAMLError(
                            file: file, mark: level.mark, path: "\(path).effort",
                            message: "effort levels are \(ModelMetadata.effortLevels.joined(separator: ", ")), not '\(level.value)'"))
                    continue
                }
                levels = (levels ?? []) + [level.value]
            }
            func price(_ value: YAMLMarked<Double>?, key: CodingKeys) -> Double? {
                guard let value else { return nil }
                guard value.value >= 0, value.value.isFinite else {
                    problems.append(
                        YAMLError(
                            file: file, mark: value.mark, path: "\(path).\(key.rawValue)",
                            message: "\(key.rawValue) is US dollars per million tokens, at least 0, not \(value.value)"))
                    return nil
                }
                return value.value
            }
            let prices = ModelPrices(
                input: price(inputCost, key: .inputCost), output: price(outputCost, key: .outputCost),
                cacheRead: price(cacheReadCost, key: .cacheReadCost), cacheWrite: price(cacheWriteCost, key: .cacheWriteCost))
            return ModelMetadata(
                contextWindow: positive(contextWindow, key: "context_window"),
                maxOutputTokens: positive(maxOutputTokens, key: "max_output_tokens"), displayName: displayName, vision: vision,
                thinking: thinking, effort: effort == nil ? nil : (levels ?? []), prices: prices)
        }
    }
}
