import CurlHTTP
import Logging
import ProxyCore
import Synchronization

/// One translated request on its way to a provider: the upstream call, and the mapping of whatever goes
/// wrong before the response head into the Anthropic error the client should see.
///
/// A class, so the async functions that hold it while a stream lasts keep a pointer in their frames
/// rather than ~430 bytes (frames stay allocated per open stream). It keeps only what the answer's
/// translation needs, not the client's request: that (the whole conversation, often 100 KB and more
/// as a tree) and the translated body are released once the request is sent, not when a stream ends.
final class UpstreamExchange: Sendable {
    /// The model the client asked for, which the answer names.
    let clientModel: String
    let stopSequences: [String]
    let adapter: any ProviderAdapter
    let upstreamModel: String
    let toolNames: ToolNameMapping
    let estimatedInputTokens: Int
    private let estimationEnabled: Bool
    /// Taken by `send`.
    private let unsentRequest: Mutex<HTTPClientRequest?>

    /// Translates the request; kept out of line so its temporaries never land in an async frame.
    @inline(never)
    init(
        request: MessagesRequest, estimatedInputTokens: Int, adapter: any ProviderAdapter, upstreamModel: String, settings: ProxySettings
    ) throws(AnthropicError) {
        let maxTokens = settings.tokens.upstreamMaxTokens(requested: request.maxTokens)
        let options = adapter.options(model: upstreamModel, maxTokens: maxTokens)
        let (body, toolNames) = RequestTranslator.body(for: request, options: options)
        self.clientModel = request.model
        self.stopSequences = request.stopSequences
        self.adapter = adapter
        self.upstreamModel = upstreamModel
        self.toolNames = toolNames
        self.estimatedInputTokens = estimatedInputTokens
        self.estimationEnabled = settings.tokens.enableTokenEstimation
        self.unsentRequest = Mutex(HTTPClientRequest(
            method: "POST",
            url: adapter.chatCompletionsURL(model: upstreamModel),
            headers: try adapter.headers().map { (name: $0.name, value: $0.value) },
            body: body.serialized(),
            timeouts: HTTPClientTimeouts(
                connect: settings.server.connectTimeout,
                firstByte: settings.server.upstreamTimeout,
                idle: settings.server.upstreamTimeout
            )
        ))
    }

    var providerName: String { adapter.settings.name }
    /// `provider/model`, as logged and returned in `x-proxy-route`.
    var routeLabel: String { "\(providerName)/\(upstreamModel)" }

    /// Sends the request; returns the response once its head arrived with a success status.
    func send(with client: CurlHTTPClient) async throws -> HTTPClientResponse {
        guard let request = unsentRequest.withLock({ $0.take() }) else {
            throw AnthropicError(.api, "internal error: the request to provider '\(providerName)' was already sent")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch let error as HTTPClientError {
            throw Self.anthropicError(for: error, provider: providerName)
        }
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? []
            throw UpstreamErrorMapping.error(status: response.status, body: body, retryAfter: response.header("retry-after"), provider: providerName)
        }
        return response
    }

    /// A complete upstream answer as the Anthropic message, with its final usage.
    func message(from completion: JSONValue) throws(UpstreamStreamError) -> (message: AnthropicMessage, usage: ResolvedUsage) {
        var (message, upstreamUsage) = try ResponseTranslator.message(
            from: completion, clientModel: clientModel, toolNames: toolNames, stopSequences: stopSequences,
            thinkTags: adapter.settings.quirks.thinkTags
        )
        let resolved = resolvedUsage(upstream: upstreamUsage, estimatedOutputTokens: ResponseTranslator.estimatedOutputTokens(of: message))
        message.usage = resolved.usage
        return (message, resolved)
    }

    /// The state machine for this request's upstream stream.
    func streamTranslator(messageID: String) -> StreamTranslator {
        StreamTranslator(
            messageID: messageID, clientModel: clientModel, estimatedInputTokens: estimatedInputTokens, toolNames: toolNames,
            stopSequences: stopSequences, thinkTags: adapter.settings.quirks.thinkTags,
            bufferToolArguments: adapter.settings.quirks.bufferToolArguments
        )
    }

    /// The usage to report: the upstream's, corrected by the adapter's usage quirks and completed by
    /// estimates where it is missing (when estimation is on).
    func resolvedUsage(upstream: TokenUsage?, estimatedOutputTokens: Int) -> ResolvedUsage {
        var resolved = ResolvedUsage(
            upstream: upstream, estimatedInput: estimatedInputTokens, estimatedOutput: estimatedOutputTokens,
            estimationEnabled: estimationEnabled
        )
        if estimationEnabled, upstream != nil {
            let corrected = adapter.usage(resolved.usage, estimatedInputTokens: estimatedInputTokens)
            if corrected != resolved.usage {
                resolved.usage = corrected
                resolved.estimated = true
            }
        }
        return resolved
    }

    /// Transport failures: unreachable → 502, timeouts → 504; the message names provider and host only.
    static func anthropicError(for error: HTTPClientError, provider: String) -> AnthropicError {
        switch error.kind {
        case .timeout:
            return AnthropicError(.timeout, "provider '\(provider)' timed out: \(error.message)")
        case .responseTooLarge:
            return AnthropicError(.api, "provider '\(provider)' sent a response larger than the proxy accepts")
        default:
            return AnthropicError(.api, "cannot reach provider '\(provider)': \(error.message)", status: 502)
        }
    }
}
