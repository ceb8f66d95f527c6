import CurlHTTP
import Logging
import ProxyCore

/// Sends a request to its route's targets in turn until one answers.
///
/// A target that fails before its response head — 429, 408, 5xx, a timeout, an unreachable host, or no
/// API key configured — hands the request to the next one; nothing has reached the client yet, so it
/// cannot tell. A 429 with `retry-after` also cools the target down for later requests. Other errors (a
/// 400 for a bad request) are the client's to see and are not retried.
enum FallbackSender {
    static func send(
        _ request: MessagesRequest, routes: ProviderRoutes, client: CurlHTTPClient, logger: Logger
    ) async throws -> (exchange: UpstreamExchange, response: HTTPClientResponse) {
        let traits = RequestTraits(request: request)
        let targets = try routes.resolve(traits)
        var lastError: AnthropicError?
        for (position, target) in targets.enumerated() {
            let isLast = position == targets.count - 1
            do {
                let exchange = try UpstreamExchange(
                    request: request, estimatedInputTokens: traits.estimatedPromptTokens, adapter: target.adapter,
                    upstreamModel: target.upstreamModel, settings: routes.settings
                )
                logger.info("\(request.stream ? "stream" : "request") \(request.model) → \(exchange.routeLabel)")
                return (exchange, try await exchange.send(with: client))
            } catch let error as AnthropicError {
                noteFailure(error, provider: target.adapter.settings.name, model: target.upstreamModel, cooldowns: routes.cooldowns)
                guard !isLast, shouldFallBack(after: error) else { throw error }
                logger.warning("\(target.adapter.settings.name)/\(target.upstreamModel) failed (\(error.status) \(error.message)); trying the next fallback")
                lastError = error
            }
        }
        throw lastError ?? AnthropicError(.api, "no target to send the request to")
    }

    static func shouldFallBack(after error: AnthropicError) -> Bool {
        error.status == 429 || error.status == 408 || error.status >= 500
            || (error.type == .authentication && error.message.contains("no API key configured"))
    }

    private static func noteFailure(_ error: AnthropicError, provider: String, model: String, cooldowns: TargetCooldowns) {
        guard error.status == 429, let retryAfter = error.headers.first(where: { $0.name == "retry-after" }), let seconds = Int(retryAfter.value) else {
            return
        }
        cooldowns.coolDown(provider, model, for: .seconds(seconds))
    }
}
