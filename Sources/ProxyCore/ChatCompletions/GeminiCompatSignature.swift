/// Gemini 3's thought signatures through its OpenAI-compatible endpoint: a tool call's
/// `extra_content.google.thought_signature`, which Gemini 3 requires back on that call in the next turn.
/// It travels in the call's `tool_use` id (`PackedToolID`: `i` the upstream's id, `s` the signature) and goes
/// back to providers of the `gemini` schema dialect as it came.
public enum GeminiCompatSignature {
    /// What Gemini takes, in place of a signature, on a call it did not make (another target's, in a
    /// conversation that moved to Gemini mid-loop): Google's documented way to skip the check.
    public static let skipValidation = "skip_thought_signature_validator"

    /// The `tool_use` id for an upstream tool call: its id, with its signature when it has one.
    package static func toolUseID(for call: JSONValue?) -> String {
        toolUseID(upstreamID: call?["id"]?.stringValue, signature: signature(of: call))
    }

    package static func toolUseID(upstreamID: String?, signature: String?) -> String {
        guard let signature, let upstreamID, !upstreamID.isEmpty else { return ToolCallID.normalized(upstreamID) }
        return PackedToolID.make(["i": .string(upstreamID), "s": .string(signature)])
    }

    /// The signature a tool call (or a streamed fragment of one) carries.
    package static func signature(of call: JSONValue?) -> String? {
        call?["extra_content"]?["google"]?["thought_signature"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The upstream id and signature an id made by `toolUseID` carries.
    package static func call(fromToolUseID id: String) -> (id: String, signature: String)? {
        guard let fields = PackedToolID.fields(of: id), let upstreamID = fields["i"]?.stringValue, let signature = fields["s"]?.stringValue
        else { return nil }
        return (upstreamID, signature)
    }

    /// A tool call's `extra_content` for `signature`.
    package static func extraContent(_ signature: String) -> JSONValue {
        ["google": ["thought_signature": .string(signature)]]
    }
}
