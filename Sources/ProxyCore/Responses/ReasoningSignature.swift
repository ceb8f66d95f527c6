/// A Responses API reasoning item carried in the signature of the thinking block that shows it.
///
/// Stateless calls (`store: false`) can only give the model its earlier reasoning back as the item's
/// `encrypted_content`. Claude Code keeps a thinking block's text and signature (and nothing else) and
/// sends them back on the next turn, so the signature carries the encrypted item and who can read it:
/// `ccp1.` + base64url of `{"k":"oair","o":OWNER,"m":MODEL,"ec":CONTENT}`. The `ccp1.` prefix marks every
/// signature the proxy makes (`ThinkingSignature`), so none is ever mistaken for Anthropic's.
package struct ReasoningSignature: Equatable, Sendable {
    /// The service and account that produced the reasoning (`owner(baseURL:apiKey:)`): another one answers
    /// an item it cannot decrypt with a 400 (`invalid_encrypted_content`), on every later turn.
    package var owner: String
    /// The upstream model that produced the reasoning: another model cannot decrypt it either.
    package var model: String
    /// The item's `encrypted_content`.
    package var encryptedContent: String

    private static let prefix = "ccp1."
    private static let kind = "oair"

    package init(owner: String, model: String, encryptedContent: String) {
        self.owner = owner
        self.model = model
        self.encryptedContent = encryptedContent
    }

    /// The signature of a thinking block: the packed item.
    package var signature: String {
        let json: JSONValue = ["k": .string(Self.kind), "o": .string(owner), "m": .string(model), "ec": .string(encryptedContent)]
        return Self.prefix + Base64URL.encoded(json.serialized())
    }

    /// The item a signature carries; nil for every other signature (Anthropic's, the proxy's plain one).
    package init?(signature: String) {
        guard signature.hasPrefix(Self.prefix),
            let bytes = Base64URL.decoded(signature.dropFirst(Self.prefix.count)),
            let json = try? JSONParser.parse(bytes), json["k"]?.stringValue == Self.kind,
            let owner = json["o"]?.stringValue, let model = json["m"]?.stringValue, let content = json["ec"]?.stringValue,
            !content.isEmpty
        else { return nil }
        self.init(owner: owner, model: model, encryptedContent: content)
    }

    /// A short digest of a provider's base URL and key: it tells accounts apart without carrying the key.
    package static func owner(baseURL: String, apiKey: String?) -> String {
        String(SHA256.hex(baseURL + "\n" + (apiKey ?? "")).prefix(16))
    }
}
