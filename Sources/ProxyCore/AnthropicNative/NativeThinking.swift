/// Thinking across targets, for one call to an Anthropic-native service: the thinking it answers goes to
/// the client packed with who made it (`PackedSignature`, kind `anthropicNative`), and what the client
/// sends back reaches it only where it made it — its own blocks with their original token, every block
/// another target made dropped (a service refuses a signature it did not issue: `Invalid signature in
/// thinking block`). Blocks whose signature the proxy did not make came from outside it and go on as sent.
///
/// Anthropic's rule for a tool loop with thinking on: the assistant message whose tool calls the request
/// answers must start with a thinking block. When the blocks it started with were another target's (a
/// fallback, a model switched mid-loop), or it came without any under a fixed budget, the request goes
/// without thinking instead.
struct NativeThinking: Sendable {
    /// The service and account of this call (`PackedSignature.owner`).
    let owner: String
    /// The upstream model of this call.
    let model: String

    // MARK: the answer

    /// A signature of this call's answer, as the client gets it.
    func packed(_ token: String) -> String {
        PackedSignature(kind: .anthropicNative, owner: owner, model: model, payload: token).signature
    }

    /// A content block of this call's answer with its token packed (`signature` of a thinking block,
    /// `data` of a redacted one); any other block unchanged.
    func packed(block: JSONValue) -> JSONValue {
        guard let field = Self.tokenField(of: block), let token = block[field]?.stringValue else { return block }
        return Self.replacing(field, of: block, with: packed(token))
    }

    /// The answer's `content` with every token packed; nil when it holds no thinking.
    func packed(content: JSONValue) -> JSONValue? {
        guard let blocks = content.arrayValue, blocks.contains(where: { Self.tokenField(of: $0) != nil }) else { return nil }
        return .array(blocks.map(packed(block:)))
    }

    // MARK: the request

    /// What becomes of a thinking token the client sent back.
    enum Verdict: Equatable {
        /// Made outside the proxy: sent as it is.
        case keep
        /// This service's and model's own: its original token.
        case unpack(String)
        /// Made by another target: left out.
        case drop
    }

    func verdict(_ token: String) -> Verdict {
        if let payload = PackedSignature.payload(of: token, kind: .anthropicNative, owner: owner, model: model) { return .unpack(payload) }
        return PackedSignature.isProxys(token) ? .drop : .keep
    }

    /// Whether the request's messages hold a token the proxy made (they must then be edited).
    func needsEditing(_ request: MessagesRequest) -> Bool {
        request.messages.contains { message in message.content.contains { Self.token(of: $0).map(PackedSignature.isProxys) ?? false } }
    }

    /// A block the client sent back, as this service may see it; nil to leave it out.
    func returned(_ block: JSONValue) -> JSONValue? {
        guard let field = Self.tokenField(of: block), let token = block[field]?.stringValue else { return block }
        switch verdict(token) {
        case .keep: return block
        case .drop: return nil
        case .unpack(let original): return Self.replacing(field, of: block, with: original)
        }
    }

    /// `block` with its `field` (present) set to `token`.
    private static func replacing(_ field: String, of block: JSONValue, with token: String) -> JSONValue {
        guard case .object(var members) = block, let index = members.firstIndex(where: { $0.key == field }) else { return block }
        members[index].value = .string(token)
        return .object(members)
    }

    /// Whether thinking must be off for this request: it asks for thinking, its last message answers tool
    /// calls, and the assistant message that made them starts with thinking another target made — or, under
    /// a fixed budget, with no thinking at all (the service's own answers then always start with it, so
    /// these calls came from elsewhere; adaptive thinking may skip it, and the service takes that).
    func mustDisableThinking(_ request: MessagesRequest) -> Bool {
        let fixedBudget: Bool
        switch request.thinking {
        case .enabled: fixedBudget = true
        case .adaptive: fixedBudget = false
        case .disabled, nil: return false
        }
        guard let last = request.messages.last, last.role == .user,
            last.content.contains(where: { if case .toolResult = $0 { return true } else { return false } }),
            let calling = request.messages.last(where: { $0.role == .assistant })
        else { return false }
        guard let first = calling.content.first, let token = Self.token(of: first) else { return fixedBudget }
        return verdict(token) == .drop
    }

    /// The token of a thinking or redacted thinking block.
    private static func token(of block: ContentBlock) -> String? {
        switch block {
        case .thinking(_, let signature): return signature
        case .redactedThinking(let data): return data
        default: return nil
        }
    }

    /// The field holding a block's token: `signature` of a thinking block, `data` of a redacted one.
    static func tokenField(of block: JSONValue) -> String? {
        switch block["type"]?.stringValue {
        case "thinking": return "signature"
        case "redacted_thinking": return "data"
        default: return nil
        }
    }
}
