/// What a thinking block's signature must carry for its reasoning to go back to the upstream that made it,
/// and to no other: the upstream's own token, and who made it.
///
/// Claude Code keeps a thinking block's text and signature (and nothing else) and sends them back on the
/// next turn, whichever model the next turn goes to. So the signature the proxy gives the client is
/// `ccp1.` + base64url of `{"k":KIND,"o":OWNER,"m":MODEL,"ec":PAYLOAD}`: a Responses API reasoning item's
/// `encrypted_content` (kind `oair`: stateless calls can give the model its reasoning back only so), or an
/// Anthropic-native service's own `signature` or `redacted_thinking` data (kind `ant`). The `ccp1.` prefix
/// marks every signature the proxy makes (`ThinkingSignature`), so none is ever mistaken for a service's.
package struct PackedSignature: Equatable, Sendable {
    /// Whose token the payload is.
    package enum Kind: String, Sendable {
        /// A Responses API reasoning item's `encrypted_content`.
        case responsesReasoning = "oair"
        /// An Anthropic-native service's thinking `signature` or `redacted_thinking` `data`.
        case anthropicNative = "ant"
    }

    package var kind: Kind
    /// The service and account that produced the reasoning (`owner(baseURL:apiKey:)`): another one cannot
    /// verify or decrypt it, and refuses the request (`invalid_encrypted_content`, `Invalid signature`).
    package var owner: String
    /// The upstream model that produced the reasoning: another model cannot read it either.
    package var model: String
    /// The upstream's token.
    package var payload: String

    private static let prefix = "ccp1."

    package init(kind: Kind, owner: String, model: String, payload: String) {
        self.kind = kind
        self.owner = owner
        self.model = model
        self.payload = payload
    }

    /// The signature the client gets.
    package var signature: String {
        let json: JSONValue = ["k": .string(kind.rawValue), "o": .string(owner), "m": .string(model), "ec": .string(payload)]
        return Self.prefix + Base64URL.encoded(json.serialized())
    }

    /// The packed token of a signature the proxy made; nil for every other signature (a service's own,
    /// the proxy's plain one).
    package init?(signature: String) {
        guard Self.isProxys(signature), let bytes = Base64URL.decoded(signature.dropFirst(Self.prefix.count)),
            let json = try? JSONParser.parse(bytes), let kind = json["k"]?.stringValue.flatMap(Kind.init(rawValue:)),
            let owner = json["o"]?.stringValue, let model = json["m"]?.stringValue, let payload = json["ec"]?.stringValue
        else { return nil }
        self.init(kind: kind, owner: owner, model: model, payload: payload)
    }

    /// Whether the proxy made this signature (packed or plain): no service ever issued it.
    package static func isProxys(_ signature: String) -> Bool {
        signature.hasPrefix(prefix)
    }

    /// The payload when this signature was made by `owner`'s `model` for `kind`; nil otherwise.
    package static func payload(of signature: String, kind: Kind, owner: String, model: String) -> String? {
        guard let packed = PackedSignature(signature: signature), packed.kind == kind, packed.owner == owner, packed.model == model
        else { return nil }
        return packed.payload
    }

    /// A short digest of a provider's base URL and key: it tells accounts apart without carrying the key.
    package static func owner(baseURL: String, apiKey: String?) -> String {
        String(SHA256.hex(baseURL + "\n" + (apiKey ?? "")).prefix(16))
    }
}
