import CurlHTTP
import Logging
import ProxyCore

/// Sends a request to its route's targets in turn until one answers.
///
/// A target that cannot take the request (no API key configured), or that fails before its response
/// head — 429, 408, 5xx, a timeout, an unreachable host — hands the request to the next one; nothing has
/// reached the client yet, so it cannot tell. A 429 with `retry-after` also cools the target down for
/// later requests. Other errors (a 400 for a bad request) are the client's to see and are not retried.
enum FallbackSender {
    static func send(
        _ request: MessagesRequest, snapshot: SettingsSnapshot, client: CurlHTTPClient, metrics: ProxyMetrics, logger: Logger
    ) async throws -> (call: UpstreamCall, response: HTTPClientResponse) {
        let (targets, estimatedTokens) = try plan(request, snapshot: snapshot)
        var lastError: (any AnthropicErrorRepresentable)?
        for (position, target) in targets.enumerated() {
            let isLast = position == targets.count - 1
            let call: UpstreamCall
            switch prepare(request, target: target, estimatedTokens: estimatedTokens, snapshot: snapshot, isLast: isLast, logger: logger) {
            case .success(let prepared):
                call = prepared
            case .failure(let error):
                // The target cannot even be asked (its API key is not configured): try the next one.
                guard !isLast else { throw error }
                lastError = error
                continue
            }
            let sent = ContinuousClock.now
            do {
                let response = try await call.send(with: client)
                metrics.upstreamResponded(provider: call.providerName, model: call.upstreamModel, after: .now - sent)
                return (call, response)
            } catch let error as any AnthropicErrorRepresentable {
                let handedOver = handOver(error.anthropicError, from: target, isLast: isLast, cooldowns: snapshot.cooldowns, logger: logger)
                metrics.upstreamFailed(
                    provider: call.providerName, model: call.upstreamModel, kind: Self.failureKind(error), handedOver: handedOver)
                guard handedOver else { throw error }
                lastError = error
            }
        }
        throw lastError ?? AnthropicError(.api, "no target to send the request to")
    }

    // Out of line so their temporaries stay out of `send`'s frame, which lives as long as a stream.

    @inline(never)
    private static func plan(_ request: MessagesRequest, snapshot: SettingsSnapshot) throws(AnthropicError) -> ([RouteTarget], Int) {
        let traits = RequestTraits(request: request)
        return (try snapshot.targets(for: traits), traits.estimatedPromptTokens)
    }

    @inline(never)
    private static func prepare(
        _ request: MessagesRequest, target: RouteTarget, estimatedTokens: Int, snapshot: SettingsSnapshot, isLast: Bool, logger: Logger
    ) -> Result<UpstreamCall, AnthropicError> {
        do {
            let call = try UpstreamCall(
                request: request, target: target, adapter: snapshot.adapter(for: target), estimatedInputTokens: estimatedTokens,
                settings: snapshot.settings
            )
            logger.debug("\(request.stream ? "stream" : "request") \(request.model) → \(call.routeLabel)")
            return .success(call)
        } catch {
            if !isLast { logger.warning("\(target.label) is not usable (\(error.message)); trying the next fallback") }
            return .failure(error)
        }
    }

    /// The `kind` label of an upstream failure: how the transport failed, or the error type the upstream's
    /// answer maps to (`rate_limit_error`, `overloaded_error`…).
    private static func failureKind(_ error: any AnthropicErrorRepresentable) -> String {
        if let transport = error as? UpstreamTransportError {
            switch transport.failure.kind {
            case .timeout: return "timeout"
            case .dnsFailure, .connectionRefused, .tlsFailure: return "connect"
            default: return "transport"
            }
        }
        return error.anthropicError.type.rawValue
    }

    /// Records `error` from `target`; true when the next target should be tried.
    @inline(never)
    private static func handOver(
        _ error: AnthropicError, from target: RouteTarget, isLast: Bool, cooldowns: TargetCooldowns, logger: Logger
    ) -> Bool {
        noteFailure(error, target: target, cooldowns: cooldowns)
        guard !isLast, shouldFallBack(after: error) else { return false }
        logger.warning("\(target.label) failed (\(error.status) \(error.message)); trying the next fallback")
        return true
    }

    /// Whether an upstream failure is worth another target: rate limits, timeouts, server-side and
    /// transport failures. A 4xx about the request itself would fail the same way anywhere.
    private static func shouldFallBack(after error: AnthropicError) -> Bool {
        error.status == 429 || error.status == 408 || error.status >= 500
    }

    private static func noteFailure(_ error: AnthropicError, target: RouteTarget, cooldowns: TargetCooldowns) {
        guard error.status == 429, let retryAfter = error.headers.first(where: { $0.name == "retry-after" }),
            let seconds = Int(retryAfter.value)
        else {
            return
        }
        cooldowns.coolDown(target.provider.name, target.upstreamModel, for: .seconds(seconds))
    }
}
