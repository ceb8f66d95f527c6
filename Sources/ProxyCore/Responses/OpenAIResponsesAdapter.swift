/// OpenAI's Responses API (`{base_url}/responses`, Bearer auth): the API of OpenAI's newest models, some
/// of which (the codex family) it serves on no other; any service that follows it exactly works too.
public struct OpenAIResponsesAdapter: ResponsesAdapter {
    /// `type: openai-responses`.
    public static let kind = "openai-responses"
    /// The provider's settings.
    public let settings: ProviderSettings

    /// An adapter for one configured provider.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// `{base_url}/responses`.
    public func responsesURL(model: String) -> String {
        settings.url(appending: "/responses")
    }

    /// `{base_url}/responses/input_tokens`.
    public func inputTokensURL(model: String) -> String? {
        settings.url(appending: "/responses/input_tokens")
    }

    /// `Authorization: Bearer KEY`.
    public func authHeaders(apiKey: String) -> [HTTPHeader] {
        [HTTPHeader("authorization", "Bearer \(apiKey)")]
    }
}
