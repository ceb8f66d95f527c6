/// Reads a chat-completions answer: a completion body, a chunk stream, or an OpenAI-family error.
///
/// A class: the proxy holds it for as long as a response lasts, and its frames then keep one pointer.
final class ChatCompletionsAnswer: UpstreamAnswer {
    let clientModel: String
    let stopSequences: [String]
    let toolNames: ToolNameMapping
    let quirks: ProviderQuirks
    let usage: ChatCompletionsUsage
    /// The provider's name, for error messages.
    var provider: String { usage.context.provider }

    init(clientModel: String, stopSequences: [String], toolNames: ToolNameMapping, quirks: ProviderQuirks, usage: ChatCompletionsUsage) {
        self.clientModel = clientModel
        self.stopSequences = stopSequences
        self.toolNames = toolNames
        self.quirks = quirks
        self.usage = usage
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
        let resolved = usage.resolved(reported: reported, estimatedOutputTokens: message.estimatedOutputTokens)
        message.usage = resolved.usage
        return (message, resolved)
    }

    func makeStream(messageID: String) -> any AnswerStream {
        ChatCompletionsStream(answer: self, messageID: messageID)
    }

}

/// How a chat-completions answer's usage becomes the client's: the upstream's counts with estimates where
/// it gave none (`CallContext.resolvedUsage`), and, for a service whose prompt count cannot be trusted
/// (`ChatCompletionsOptions.trustsPromptCount`), a count below half the estimate replaced by it.
package struct ChatCompletionsUsage: Sendable {
    package let context: CallContext
    package let trustsPromptCount: Bool

    package init(context: CallContext, trustsPromptCount: Bool = true) {
        self.context = context
        self.trustsPromptCount = trustsPromptCount
    }

    package func resolved(reported: TokenUsage?, estimatedOutputTokens: Int) -> ResolvedUsage {
        var resolved = context.resolvedUsage(reported: reported, estimatedOutputTokens: estimatedOutputTokens)
        guard context.estimatesUsage, reported != nil, !trustsPromptCount else { return resolved }
        let estimate = context.estimatedInputTokens
        let usage = resolved.usage
        if usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens < estimate / 2 {
            resolved.usage.inputTokens = max(estimate - usage.cacheReadInputTokens - usage.cacheCreationInputTokens, 1)
            resolved.estimated = true
        }
        return resolved
    }
}
