import ClaudeCodeProxyKit

/// Checks a complete event sequence against Anthropic's stream grammar: `message_start`, pings,
/// blocks with indexes 0, 1, 2… one open at a time, each delta matching its block (a thinking block
/// ending with its signature, a tool block's input JSON joining into an object), one `message_delta`
/// once every block is closed, `message_stop` last.
enum StreamGrammar {
    private enum Block {
        case text
        case thinking(signed: Bool)
        case tool(input: String)
    }

    /// The first rule the events break, or nil when they follow the grammar.
    static func violation(in events: [StreamEvent]) -> String? {
        guard case .messageStart? = events.first else { return "the first event is not message_start" }
        var open: (index: Int, block: Block)?
        var nextIndex = 0
        var sawMessageDelta = false
        for (position, event) in events.enumerated().dropFirst() {
            let at = "event \(position) (\(event))"
            if sawMessageDelta, event != .messageStop { return "\(at) after message_delta" }
            switch event {
            case .messageStart:
                return "\(at): a second message_start"
            case .encoded:
                return "\(at): an event relayed unparsed, which a translated stream never has"
            case .ping:
                continue
            case .contentBlockStart(let index, let start):
                if open != nil { return "\(at): a block starts while block \(open!.index) is open" }
                if index != nextIndex { return "\(at): index \(index), expected \(nextIndex)" }
                nextIndex += 1
                switch start {
                case .text: open = (index, .text)
                case .thinking: open = (index, .thinking(signed: false))
                case .toolUse(let id, let name):
                    if id.isEmpty || !id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
                        return "\(at): tool id '\(id)' is not [A-Za-z0-9_-]+"
                    }
                    if name.isEmpty { return "\(at): a tool without a name" }
                    open = (index, .tool(input: ""))
                }
            case .contentBlockDelta(let index, let delta):
                guard let current = open, current.index == index else { return "\(at): a delta for a block that is not open" }
                switch (current.block, delta) {
                case (.text, .text):
                    continue
                case (.thinking(false), .thinking):
                    continue
                case (.thinking(false), .signature(let signature)) where !signature.isEmpty:
                    open = (index, .thinking(signed: true))
                case (.tool(let input), .inputJSON(let json)):
                    open = (index, .tool(input: input + json))
                default:
                    return "\(at): this delta does not belong in block \(current.block)"
                }
            case .contentBlockStop(let index):
                guard let current = open, current.index == index else { return "\(at): stops a block that is not open" }
                switch current.block {
                case .thinking(signed: false):
                    return "\(at): a thinking block ends without a signature"
                case .tool(let input):
                    guard (try? JSONParser.parse(input))?.objectValue != nil else { return "\(at): tool input '\(input)' is not an object" }
                default:
                    break
                }
                open = nil
            case .messageDelta:
                if open != nil { return "\(at): message_delta while block \(open!.index) is open" }
                sawMessageDelta = true
            case .messageStop:
                guard sawMessageDelta else { return "\(at): message_stop without message_delta" }
                return position == events.count - 1 ? nil : "events follow message_stop"
            case .error:
                return "\(at): an error event (the adapter throws; the proxy writes these)"
            }
        }
        return "the stream does not end with message_stop"
    }
}
