import ProxyCore

/// Where Gemini's thought signatures travel between two turns, since Claude Code keeps only Anthropic's
/// blocks: the signature of a function call inside its `tool_use` id (which every client sends back
/// exactly, and which needs no thinking to be on), that of a thought in its thinking block's signature.
/// Each is packed with the account and model that made it (`PackedToolID`, `PackedSignature`), and goes
/// back only to them: Gemini refuses a function call of the current turn whose signature is missing or not
/// its own.
struct GeminiSignatures: Sendable {
    /// The service and account of this call (`PackedSignature.owner`).
    let owner: String
    /// The upstream model of this call.
    let model: String

    /// The kind of the tokens packed here.
    static let kind = PackedSignature.Kind(rawValue: "gem")

    // MARK: the answer

    /// The `tool_use` id for one of the answer's function calls.
    func toolUseID(signature: String?, callID: String?) -> String {
        guard signature != nil || callID != nil else { return AnthropicID.make(prefix: "toolu_") }
        var fields: [(key: String, value: JSONValue)] = [("o", .string(owner)), ("m", .string(model))]
        if let signature { fields.append(("s", .string(signature))) }
        if let callID { fields.append(("i", .string(callID))) }
        // A nonce keeps two calls of one answer apart when neither has a signature or id of its own.
        fields.append(("n", .string(String(AnthropicID.make(prefix: "").prefix(8)))))
        return PackedToolID.make(.object(fields))
    }

    /// The signature the client gets for a thought that came with `token`.
    func thinkingSignature(_ token: String?) -> String {
        guard let token, !token.isEmpty else { return ThinkingSignature.proxySignature }
        return PackedSignature(kind: Self.kind, owner: owner, model: model, payload: token).signature
    }

    // MARK: the request

    /// What a `tool_use` id the client sent back carries for this call: the call's signature and
    /// Gemini's id for it, when this account's model made it.
    func call(fromToolUseID id: String) -> (signature: String?, callID: String?) {
        guard let fields = PackedToolID.fields(of: id), fields["o"]?.stringValue == owner, fields["m"]?.stringValue == model
        else { return (nil, nil) }
        return (fields["s"]?.stringValue, fields["i"]?.stringValue)
    }

    /// The signature a thinking block the client sent back carries, when this account's model made it.
    func token(ofThinkingSignature signature: String) -> String? {
        PackedSignature.payload(of: signature, kind: Self.kind, owner: owner, model: model)
    }
}
