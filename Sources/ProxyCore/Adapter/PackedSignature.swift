/// What a thinking block's signature must carry for its reasoning to go back to the upstream that made it,
/// and to no other: the upstream's own token, and who made it.
///
/// Claude Code keeps a thinking block's text and signature (and nothing else) and sends them back on the
/// next turn, whichever model the next turn goes to. So the signature the proxy gives the client is
/// `ccp1.` + base64url of `{"k":KIND,"o":OWNER,"m":MODEL,"ec":PAYLOAD}`: a Responses API reasoning item's
/// `encrypted_content` (kind `oair`: stateless calls can give the model its reasoning back only so), an
/// Anthropic-native service's own `signature` or `redacted_thinking` data (kind `ant`), or an adapter's own
/// kind of token (Gemini's thought signatures). The `ccp1.` prefix marks every signature the proxy makes
/// (`ThinkingSignature`), so none is ever mistaken for a service's, and every target drops the ones it did
/// not make.
public struct PackedSignature: Equatable, Sendable {
    /// Whose token the payload is: a short name per API family.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        /// The name packed into the signature.
        public var rawValue: String
        /// A kind of token; adapters of one API family share one.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A Responses API reasoning item's `encrypted_content`.
        public static let responsesReasoning = Kind(rawValue: "oair")
        /// An Anthropic-native service's thinking `signature` or `redacted_thinking` `data`.
        public static let anthropicNative = Kind(rawValue: "ant")
    }

    /// Whose token the payload is.
    public var kind: Kind
    /// The service and account that produced the reasoning (`owner(baseURL:apiKey:)`): another one cannot
    /// verify or decrypt it, and refuses the request (`invalid_encrypted_content`, `Invalid signature`).
    public var owner: String
    /// The upstream model that produced the reasoning: another model cannot read it either.
    public var model: String
    /// The upstream's token.
    public var payload: String

    private static let prefix = "ccp1."

    /// A token with who made it.
    public init(kind: Kind, owner: String, model: String, payload: String) {
        self.kind = kind
        self.owner = owner
        self.model = model
        self.payload = payload
    }

    /// The signature the client gets.
    public var signature: String {
        let json: JSONValue = ["k": .string(kind.rawValue), "o": .string(owner), "m": .string(model), "ec": .string(payload)]
        return Self.prefix + Base64URL.encoded(json.serialized())
    }

    /// The packed token of a signature the proxy made; nil for every other signature (a service's own,
    /// the proxy's plain one).
    public init?(signature: String) {
        guard Self.isProxys(signature), let bytes = Base64URL.decoded(signature.dropFirst(Self.prefix.count)),
            let json = try? JSONParser.parse(bytes), let kind = json["k"]?.stringValue.map(Kind.init(rawValue:)),
            let owner = json["o"]?.stringValue, let model = json["m"]?.stringValue, let payload = json["ec"]?.stringValue
        else { return nil }
        self.init(kind: kind, owner: owner, model: model, payload: payload)
    }

    /// Whether the proxy made this signature (packed or plain): no service ever issued it.
    public static func isProxys(_ signature: String) -> Bool {
        signature.hasPrefix(prefix)
    }

    /// The payload when this signature was made by `owner`'s `model` for `kind`; nil otherwise.
    public static func payload(of signature: String, kind: Kind, owner: String, model: String) -> String? {
        guard let packed = PackedSignature(signature: signature), packed.kind == kind, packed.owner == owner, packed.model == model
        else { return nil }
        return packed.payload
    }

    /// A short digest of a provider's base URL and key: it tells accounts apart without carrying the key.
    public static func owner(baseURL: String, apiKey: String?) -> String {
        String(SHA256.hex(baseURL + "\n" + (apiKey ?? "")).prefix(16))
    }
}

extension ProviderSettings {
    /// Who the tokens a call's answer carries belong to (`PackedSignature.owner`): the base URL and the
    /// `options` (a Vertex project), with the key — or, for a key the proxy renews (`token_command`,
    /// `service_account_file`), where it comes from: the tokens change while the account stays.
    public func signatureOwner(apiKey: String?) -> String {
        let place = options.objectValue?.isEmpty ?? true ? baseURL : baseURL + "\n" + options.serializedString()
        return PackedSignature.owner(baseURL: place, apiKey: renewedKeySource ?? apiKey)
    }
}
