/// One block of an Anthropic message, reduced to what translation needs.
///
/// Unknown block types are kept as `.unsupported` so the translator can drop them with a log line
/// instead of failing the request (Claude Code adds new block types every few weeks).
public enum ContentBlock: Sendable, Equatable {
    case text(String)
    case image(ImageSource)
    case toolUse(id: String, name: String, input: JSONValue)
    case toolResult(toolUseID: String, content: [ContentBlock], isError: Bool)
    case thinking(text: String, signature: String)
    case redactedThinking
    case document(DocumentSource, title: String?)
    case unsupported(type: String)
}

/// Where an image's bytes come from.
public enum ImageSource: Sendable, Equatable {
    case base64(mediaType: String, data: String)
    case url(String)
}

/// A document block's payload; only the kinds an OpenAI upstream can receive are modelled.
public enum DocumentSource: Sendable, Equatable {
    case text(String)
    case base64(mediaType: String, data: String)
    case url(String)
    case other(type: String)
}
