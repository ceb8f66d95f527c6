import CurlHTTP
import Logging
import ProxyCore

/// Sends a request to its route's targets in turn until one answers.
///
/// A target that has no API key configured, or that fails before its response head — 429, 408, 5xx, a
/// timeout, an unreachable host — hands the request to the next one; nothing has reached the client yet, so it
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
            let label = "\(target.adapter.settings.name)/\(target.upstreamModel)"
            let exchange: UpstreamExchange
            do {
                exchange = try UpstreamExchange(
                    request: request, estimatedInputTokens: traits.estimatedPromptTokens, adapter: target.adapter,
                    upstreamModel: target.upstreamModel, settings: routes.settings
                )
            } catch {
                // The target cannot even be asked (its API key is not configured): try the next one.
                guard !isLast else { throw error }
                logger.warning("\(label) is not usable (\(error.message)); trying the next fallback")
                lastError = error
                continue
            }
            do {
                logger.info("\(request.stream ? "stream" : "request") \(request.model) → \(exchange.routeLabel)")
                return (exchange, try await exchange.send(with: client))
            } catch let error as AnthropicError {
                noteFailure(error, provider: target.adapter.settings.name, model: target.upstreamModel, cooldowns: routes.cooldowns)
                guard !isLast, shouldFallBack(after: error) else { throw error }
                logger.warning("\(label) failed (\(error.status) \(error.message)); trying the next fallback")
                lastError = error
            }
        }
        throw lastError ?? AnthropicError(.api, "no target to send the request to")
    }

    /// Whether an upstream failure is worth another target: rate limits, timeouts, server-side and
    /// transport failures. A 4xx about the request itself would fail the same way anywhere.
    static func shouldFallBack(after error: AnthropicError) -> Bool {
        error.status == 429 || error.status == 408 || error.status >= 500
    }

    private static func noteFailure(_ error: AnthropicError, provider: String, model: String, cooldowns: TargetCooldowns) {
        guard error.status == 429, let retryAfter = error.headers.first(where: { $0.name == "retry-after" }), let seconds = Int(retryAfter.value) else {
            return
        }
        cooldowns.coolDown(provider, model, for: .seconds(seconds))
    }
}
