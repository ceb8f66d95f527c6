/// The keys of one mapping that decoding asked about, in the order asked: the basis of the strict
/// unknown-key check and of its "did you mean" suggestions.
final class YAMLKeyUsage {
    private(set) var asked: [String] = []
    private var askedSet: Set<String> = []
    /// False once the mapping's decoding stopped early: the keys it did not get to ask about are not unknown.
    private(set) var isComplete = true

    func markIncomplete() {
        isComplete = false
    }

    func ask(_ key: String) {
        if askedSet.insert(key).inserted { asked.append(key) }
    }

    func wasAsked(_ key: String) -> Bool {
        askedSet.contains(key)
    }

    /// "unknown key 'bse_url'; did you mean 'base_url'?", or the keys that are allowed when none is close.
    func unknownKeyMessage(_ key: String) -> String {
        if let suggestion = YAMLKeySuggestion.closest(to: key, among: asked) {
            return "unknown key '\(key)'; did you mean '\(suggestion)'?"
        }
        guard !asked.isEmpty else { return "unknown key '\(key)'" }
        let listed = asked.prefix(20).joined(separator: ", ")
        return "unknown key '\(key)'; expected one of: \(listed)\(asked.count > 20 ? ", …" : "")"
    }
}

/// Finds the intended key for a misspelt one.
enum YAMLKeySuggestion {
    /// The first candidate within edit distance 2 (case-insensitive, transpositions count as one edit)
    /// and shorter than either key (so `x` never suggests `y`), preferring the smallest distance.
    static func closest(to key: String, among candidates: [String]) -> String? {
        let target = Array(key.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != key {
            let other = Array(candidate.lowercased())
            let distance = editDistance(target, other)
            guard distance <= 2, distance < min(target.count, other.count) else { continue }
            if distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
