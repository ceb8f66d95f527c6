/// Writes an Anthropic event stream that follows the grammar whatever order an upstream's pieces come
/// in: one `message_start`; one block open at a time, with indexes 0, 1, 2 … in order; each delta in a
/// block of its kind; a thinking block ends with its signature, a tool block never without input;
/// `message_delta` and `message_stop` last. Every adapter that translates a stream writes through one.
public struct StreamEventBuilder: Sendable {
    /// The block now open, with its index.
    public enum OpenBlock: Sendable, Equatable {
        /// A text block.
        case text(index: Int)
        /// A thinking block.
        case thinking(index: Int)
        /// A tool call's block.
        case toolUse(index: Int)
    }

    /// The id `message_start` carries.
    public let messageID: String
    /// The model name the client asked for, which `message_start` echoes.
    public let clientModel: String
    private let estimatedInputTokens: Int
    /// The block now open; nil between blocks.
    public private(set) var openBlock: OpenBlock?
    /// Whether any tool-use block was started: such a turn ends as `tool_use`.
    public private(set) var startedToolUse = false
    private var nextIndex = 0
    private var openToolHasInput = false
    private var output = TextTally()

    /// A builder for one stream.
    /// - Parameter estimatedInputTokens: the prompt estimate `message_start` reports until the final usage.
    public init(messageID: String, clientModel: String, estimatedInputTokens: Int) {
        self.messageID = messageID
        self.clientModel = clientModel
        self.estimatedInputTokens = estimatedInputTokens
    }

    /// Text, reasoning and tool input written so far, in estimated tokens: the output count when the
    /// upstream reports none.
    public var estimatedOutputTokens: Int { output.tokens }

    /// `message_start` (with the prompt estimate, which Claude Code shows as progress) and a `ping`.
    public func start(into events: inout [StreamEvent]) {
        events.append(.messageStart(id: messageID, model: clientModel, usage: TokenUsage(inputTokens: estimatedInputTokens)))
        events.append(.ping)
    }

    /// Answer text: into the open text block, or a new one.
    public mutating func appendText(_ text: String, into events: inout [StreamEvent]) {
        appendContent(text, thinking: false, into: &events)
    }

    /// Reasoning: into the open thinking block, or a new one.
    public mutating func appendThinking(_ text: String, into events: inout [StreamEvent]) {
        appendContent(text, thinking: true, into: &events)
    }

    private mutating func appendContent(_ text: String, thinking: Bool, into events: inout [StreamEvent]) {
        let index: Int
        switch (openBlock, thinking) {
        case (.text(let open)?, false), (.thinking(let open)?, true):
            index = open
        default:
            index = startBlock(thinking ? .thinking : .text, into: &events)
            openBlock = thinking ? .thinking(index: index) : .text(index: index)
        }
        events.append(.contentBlockDelta(index: index, delta: thinking ? .thinking(text) : .text(text)))
        output.add(text)
    }

    /// Opens a tool call's block (closing the open one); returns its index.
    @discardableResult
    public mutating func startToolUse(id: String, name: String, into events: inout [StreamEvent]) -> Int {
        let index = startBlock(.toolUse(id: id, name: name), into: &events)
        openBlock = .toolUse(index: index)
        openToolHasInput = false
        startedToolUse = true
        return index
    }

    /// A fragment of the open tool call's input JSON; the fragments of one block must concatenate to
    /// one object. Ignored (false) when no tool block is open: a call's input cannot follow other output.
    @discardableResult
    public mutating func appendToolInput(_ json: String, into events: inout [StreamEvent]) -> Bool {
        guard case .toolUse(let index) = openBlock else { return false }
        events.append(.contentBlockDelta(index: index, delta: .inputJSON(json)))
        openToolHasInput = true
        output.add(json)
        return true
    }

    /// Closes the open block, if any: a thinking block gets `thinkingSignature` first, a tool block that
    /// received no input gets `{}`.
    public mutating func closeBlock(thinkingSignature: String = ThinkingSignature.proxySignature, into events: inout [StreamEvent]) {
        switch openBlock {
        case nil:
            return
        case .text(let index):
            events.append(.contentBlockStop(index: index))
        case .thinking(let index):
            events.append(.contentBlockDelta(index: index, delta: .signature(thinkingSignature)))
            events.append(.contentBlockStop(index: index))
        case .toolUse(let index):
            if !openToolHasInput { events.append(.contentBlockDelta(index: index, delta: .inputJSON("{}"))) }
            events.append(.contentBlockStop(index: index))
        }
        openBlock = nil
    }

    /// Ends the message: closes the open block, then `message_delta` with the final usage and
    /// `message_stop`. An input count of 0 is sent as 1 (0 would not replace `message_start`'s estimate).
    /// - Returns: the usage as sent.
    @discardableResult
    public mutating func finish(
        stopReason: StopReason, stopSequence: String?, usage: TokenUsage, into events: inout [StreamEvent]
    ) -> TokenUsage {
        closeBlock(into: &events)
        var usage = usage
        if usage.inputTokens == 0 { usage.inputTokens = 1 }
        events.append(.messageDelta(stopReason: stopReason, stopSequence: stopSequence, usage: usage))
        events.append(.messageStop)
        return usage
    }

    private mutating func startBlock(_ block: StreamEvent.BlockStart, into events: inout [StreamEvent]) -> Int {
        closeBlock(into: &events)
        let index = nextIndex
        nextIndex += 1
        events.append(.contentBlockStart(index: index, block: block))
        return index
    }
}

/// The signature the proxy puts on thinking blocks that did not come from Anthropic. Claude Code sends
/// thinking blocks back; the `ccp1.` prefix marks them as the proxy's own, so they are never forwarded
/// as Anthropic signatures.
public enum ThinkingSignature {
    /// The proxy's signature.
    public static let proxySignature = "ccp1.e30"
}
