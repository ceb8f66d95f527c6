/// Separates reasoning that a model writes inline as `<think>…</think>` at the start of its answer
/// (DeepSeek-R1 distills and Qwen on some hosts) from the answer itself, as text streams in: the tags can
/// arrive split across any chunk boundary.
package struct ThinkTagSplitter: Sendable {
    package enum Piece: Sendable, Equatable {
        case thinking(String)
        case text(String)
    }

    private enum State {
        /// Not yet known whether the answer opens with `<think>`.
        case undecided
        case thinking
        /// After `</think>`: leading blank lines are dropped.
        case afterThinking
        case text
    }

    private static let open = "<think>"
    private static let close = "</think>"
    private var state = State.undecided
    private var pending = ""

    package init() {}

    package mutating func feed(_ text: String) -> [Piece] {
        pending += text
        var pieces: [Piece] = []
        while true {
            switch state {
            case .undecided:
                let trimmed = pending.drop { $0.isWhitespace }
                if trimmed.hasPrefix(Self.open) {
                    pending = String(trimmed.dropFirst(Self.open.count))
                    state = .thinking
                } else if Self.open.hasPrefix(String(trimmed)) {
                    return pieces  // could still become "<think>": wait for more
                } else {
                    state = .text
                }
            case .thinking:
                if let range = pending.firstRange(of: Self.close) {
                    let thought = String(pending[..<range.lowerBound])
                    if !thought.isEmpty { pieces.append(.thinking(thought)) }
                    pending = String(pending[range.upperBound...])
                    state = .afterThinking
                } else {
                    // Keep a tail that might be the start of "</think>".
                    let keep = Self.partialCloseLength(at: pending)
                    let thought = String(pending.dropLast(keep))
                    if !thought.isEmpty { pieces.append(.thinking(thought)) }
                    pending = String(pending.suffix(keep))
                    return pieces
                }
            case .afterThinking:
                pending = String(pending.drop { $0.isWhitespace })
                if pending.isEmpty { return pieces }
                state = .text
            case .text:
                if !pending.isEmpty { pieces.append(.text(pending)) }
                pending = ""
                return pieces
            }
        }
    }

    /// What is still held back at the end of the answer.
    package mutating func finish() -> [Piece] {
        defer { pending = "" }
        switch state {
        case .thinking: return pending.isEmpty ? [] : [.thinking(pending)]
        case .undecided, .text: return pending.isEmpty ? [] : [.text(pending)]
        case .afterThinking: return []
        }
    }

    private static func partialCloseLength(at text: String) -> Int {
        for length in stride(from: min(close.count - 1, text.count), to: 0, by: -1) where close.hasPrefix(String(text.suffix(length))) {
            return length
        }
        return 0
    }
}
