/// One block of an Anthropic message, reduced to what translation needs.
///
/// Unknown block types are kept as `.unsupported` so the translator can drop them with a log line
/// instead of failing the request (Claude Code adds new block types every few weeks).
public enum ContentBlock: Sendable, Equatable {
    /// Text.
    case text(String)
    /// An image.
    case image(ImageSource)
    /// An earlier tool call of the assistant.
    case toolUse(id: String, name: String, input: JSONValue)
    /// The result of the tool call `toolUseID`, which may hold text, images and documents.
    case toolResult(toolUseID: String, content: [ContentBlock], isError: Bool)
    /// Earlier reasoning and its signature.
    case thinking(text: String, signature: String)
    /// Reasoning the client has only in encrypted form: the service's `data`.
    case redactedThinking(data: String)
    /// An attached document.
    case document(DocumentSource, title: String?)
    /// A block type the proxy does not model (kept so it can be dropped with a log line).
    case unsupported(type: String)
}

/// Where an image's bytes come from.
public enum ImageSource: Sendable, Equatable {
    /// Inline bytes, base64-encoded, with their media type.
    case base64(mediaType: String, data: String)
    /// A URL the provider fetches.
    case url(String)
}

/// A document block's payload; only the kinds an OpenAI upstream can receive are modelled.
public enum DocumentSource: Sendable, Equatable {
    /// Plain text.
    case text(String)
    /// Inline bytes (a PDF), base64-encoded.
    case base64(mediaType: String, data: String)
    /// A URL.
    case url(String)
    /// A source kind no other provider can read (`file`, `content`).
    case other(type: String)
}
