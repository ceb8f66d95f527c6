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
    typealias ResolvedTarget = (adapter: any ProviderAdapter, upstreamModel: String)

    static func send(
        _ request: MessagesRequest, routes: ProviderRoutes, client: CurlHTTPClient, logger: Logger
    ) async throws -> (exchange: UpstreamExchange, response: HTTPClientResponse) {
        let (targets, estimatedTokens) = try plan(request, routes: routes)
        var lastError: AnthropicError?
        for (position, target) in targets.enumerated() {
            let isLast = position == targets.count - 1
            let exchange: UpstreamExchange
            switch prepare(request, target: target, estimatedTokens: estimatedTokens, settings: routes.settings, isLast: isLast, logger: logger) {
            case .success(let prepared):
                exchange = prepared
            case .failure(let error):
                // The target cannot even be asked (its API key is not configured): try the next one.
                guard !isLast else { throw error }
                lastError = error
                continue
            }
            do {
                return (exchange, try await exchange.send(with: client))
            } catch let error as AnthropicError {
                guard handOver(error, from: target, isLast: isLast, cooldowns: routes.cooldowns, logger: logger) else { throw error }
                lastError = error
            }
        }
        throw lastError ?? AnthropicError(.api, "no target to send the request to")
    }

    // Out of line so their temporaries stay out of `send`'s frame, which lives as long as a stream.

    @inline(never)
    private static func plan(_ request: MessagesRequest, routes: ProviderRoutes) throws(AnthropicError) -> ([ResolvedTarget], Int) {
        let traits = RequestTraits(request: request)
        return (try routes.resolve(traits), traits.estimatedPromptTokens)
    }

    @inline(never)
    private static func prepare(
        _ request: MessagesRequest, target: ResolvedTarget, estimatedTokens: Int, settings: ProxySettings, isLast: Bool, logger: Logger
    ) -> Result<UpstreamExchange, AnthropicError> {
        do {
            let exchange = try UpstreamExchange(
                request: request, estimatedInputTokens: estimatedTokens, adapter: target.adapter,
                upstreamModel: target.upstreamModel, settings: settings
            )
            logger.info("\(request.stream ? "stream" : "request") \(request.model) → \(exchange.routeLabel)")
            return .success(exchange)
        } catch {
            if !isLast { logger.warning("\(target.adapter.settings.name)/\(target.upstreamModel) is not usable (\(error.message)); trying the next fallback") }
            return .failure(error)
        }
    }

    /// Records `error` from `target`; true when the next target should be tried.
    @inline(never)
    private static func handOver(
        _ error: AnthropicError, from target: ResolvedTarget, isLast: Bool, cooldowns: TargetCooldowns, logger: Logger
    ) -> Bool {
        noteFailure(error, provider: target.adapter.settings.name, model: target.upstreamModel, cooldowns: cooldowns)
        guard !isLast, shouldFallBack(after: error) else { return false }
        logger.warning("\(target.adapter.settings.name)/\(target.upstreamModel) failed (\(error.status) \(error.message)); trying the next fallback")
        return true
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
