/// Reads a chat-completions answer: a completion body, a chunk stream, or an OpenAI-family error.
///
/// A class: the proxy holds it for as long as a response lasts, and its frames then keep one pointer.
final class ChatCompletionsAnswer: UpstreamAnswer {
    let provider: String
    let clientModel: String
    let stopSequences: [String]
    let toolNames: ToolNameMapping
    let quirks: ProviderQuirks
    let context: CallContext
    /// The adapter's `usage(_:estimatedInputTokens:)`.
    let correctUsage: @Sendable (TokenUsage, Int) -> TokenUsage

    init(
        provider: String, clientModel: String, stopSequences: [String], toolNames: ToolNameMapping, quirks: ProviderQuirks,
        context: CallContext, correctUsage: @escaping @Sendable (TokenUsage, Int) -> TokenUsage
    ) {
        self.provider = provider
        self.clientModel = clientModel
        self.stopSequences = stopSequences
        self.toolNames = toolNames
        self.quirks = quirks
        self.context = context
        self.correctUsage = correctUsage
    }

    func message(from body: [UInt8]) throws(AnthropicError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        let completion = try UpstreamErrorMapping.answerObject(body, provider: provider)
        var (message, reported): (AnthropicMessage, TokenUsage?)
        do {
            (message, reported) = try ResponseTranslator.message(
                from: completion, clientModel: clientModel, toolNames: toolNames, stopSequences: stopSequences,
                thinkTags: quirks[Quirks.thinkTags]
            )
        } catch {
            throw AnthropicError(error.type, "provider '\(provider)': \(error.message)", status: 502)
        }
        let usage = resolvedUsage(reported: reported, estimatedOutputTokens: message.estimatedOutputTokens)
        message.usage = usage.usage
        return (message, usage)
    }

    func makeStream(messageID: String) -> any AnswerStream {
        ChatCompletionsStream(answer: self, messageID: messageID)
    }

    /// The context's resolution, with the adapter's correction applied to usage the upstream did report.
    func resolvedUsage(reported: TokenUsage?, estimatedOutputTokens: Int) -> ResolvedUsage {
        var resolved = context.resolvedUsage(reported: reported, estimatedOutputTokens: estimatedOutputTokens)
        if context.estimatesUsage, reported != nil {
            let corrected = correctUsage(resolved.usage, context.estimatedInputTokens)
            if corrected != resolved.usage {
                resolved.usage = corrected
                resolved.estimated = true
            }
        }
        return resolved
    }
}
