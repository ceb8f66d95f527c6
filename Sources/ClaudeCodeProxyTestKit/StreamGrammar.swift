import ProxyCore

/// Checks an adapter's translated stream against Anthropic's stream grammar (docs/translation.md §5.1,
/// invariants I1–I8): one `message_start` first; blocks with indexes 0, 1, 2 … one open at a time, each
/// delta matching its block, a thinking block ending with its signature, a tool block's id in Anthropic's
/// alphabet and its input joining into one object; one `message_delta` once every block is closed, with
/// a known stop reason (`tool_use` exactly when tools were called); `message_stop` last.
public enum StreamGrammar {
    /// The stop reasons Anthropic's API sends.
    public static let allowedStopReasons: Set<String> = [
        "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded",
    ]

    /// One line per rule the events break; empty when they follow the grammar.
    ///
    /// - Parameter complete: whether the stream must end with `message_delta` + `message_stop`; false for
    ///   the events sent before a stream failed, where only the rules of blocks can be checked.
    public static func violations(in events: [StreamEvent], complete: Bool = true) -> [String] {
        var problems: [String] = []
        var open: (index: Int, block: StreamEvent.BlockStart)?
        var nextIndex = 0
        var toolInput: [Int: String] = [:]
        var lastDelta: StreamEvent.Delta?
        var toolBlocks = 0
        var messageDeltas = 0
        var stopReason: StopReason?
        var stopped = false

        if events.filter({ if case .messageStart = $0 { return true } else { return false } }).count != 1 {
            problems.append("I1: expected exactly one message_start")
        }
        for (position, event) in events.enumerated() {
            if stopped {
                problems.append("I6: \(event.name) after message_stop")
                continue
            }
            switch event {
            case .messageStart:
                if position != 0 { problems.append("I1: message_start at position \(position), not first") }
            case .ping:
                if position == 0 { problems.append("I1: ping before message_start") }
            case .contentBlockStart(let index, let block):
                if messageDeltas > 0 { problems.append("I6: content_block_start \(index) after message_delta") }
                if let open { problems.append("I3: block \(index) started while block \(open.index) is still open") }
                if index != nextIndex { problems.append("I2: block index \(index), expected \(nextIndex)") }
                nextIndex = max(nextIndex, index) + 1
                open = (index, block)
                lastDelta = nil
                if case .toolUse(let id, let name) = block {
                    toolBlocks += 1
                    toolInput[index] = ""
                    if id.isEmpty || !id.unicodeScalars.allSatisfy(Self.isIDCharacter) {
                        problems.append("I5: tool block \(index) id '\(id)' is not [A-Za-z0-9_-]+")
                    }
                    if name.isEmpty { problems.append("I5: tool block \(index) has no name") }
                }
            case .contentBlockDelta(let index, let delta):
                guard let current = open, current.index == index else {
                    problems.append("I3: delta for block \(index), which is not the open block")
                    continue
                }
                switch (current.block, delta) {
                case (.text, .text), (.thinking, .thinking), (.toolUse, .inputJSON): break
                case (.thinking, .signature): break
                default: problems.append("I4: \(delta) in a \(current.block) block \(index)")
                }
                if case .signature = lastDelta, case .thinking = current.block {
                    problems.append("§5.6: signature_delta is not the last delta of thinking block \(index)")
                }
                if case .inputJSON(let fragment) = delta { toolInput[index, default: ""] += fragment }
                lastDelta = delta
            case .contentBlockStop(let index):
                guard let current = open, current.index == index else {
                    problems.append("I3: content_block_stop for block \(index), which is not the open block")
                    continue
                }
                if case .thinking = current.block {
                    if case .signature = lastDelta {} else { problems.append("§5.6: thinking block \(index) ends without signature_delta") }
                }
                if case .toolUse = current.block, let input = toolInput[index], !input.isEmpty {
                    if case .object? = try? JSONParser.parse(input) {
                    } else {
                        problems.append("I5: tool block \(index) input \(input) is not one JSON object")
                    }
                }
                open = nil
            case .messageDelta(let reason, _, let usage):
                messageDeltas += 1
                if messageDeltas > 1 { problems.append("I6: more than one message_delta") }
                if let open { problems.append("I6: message_delta while block \(open.index) is open") }
                if usage.inputTokens < 1 { problems.append("§5.5: message_delta input_tokens \(usage.inputTokens) < 1") }
                stopReason = reason
            case .messageStop:
                if messageDeltas == 0 { problems.append("I6: message_stop without message_delta") }
                stopped = true
            case .encoded:
                problems.append("an encoded event in a translated stream")
            case .error(let type, _):
                if complete { problems.append("error event \(type) in a stream expected to complete") }
                stopped = true
            }
        }
        guard complete else { return problems }
        if !stopped { problems.append("I6: the stream does not end with message_stop") }
        if let open { problems.append("I3: block \(open.index) never stopped") }
        if let stopReason {
            if !allowedStopReasons.contains(stopReason.rawValue) { problems.append("I7: stop_reason \(stopReason.rawValue)") }
            if (stopReason == .toolUse) != (toolBlocks > 0) {
                problems.append("I8: stop_reason \(stopReason.rawValue) with \(toolBlocks) tool_use block(s)")
            }
        } else {
            problems.append("I6: no message_delta")
        }
        return problems
    }

    private static func isIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }
}
