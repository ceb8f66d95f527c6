import CurlHTTP
import Logging
import ProxyCore

/// Sends a request to its route's targets in turn, and to each target's keys in turn, until one answers.
///
/// A key that an upstream refuses before its response head — 429 (rate limited) or 401 (not accepted) —
/// cools down and hands the request to the target's next key, if its pool has one. A target that cannot
/// take the request (no API key configured), or that fails before its response head — 429, 408, 5xx, a
/// timeout, an unreachable host — hands the request to the next target. Nothing has reached the client
/// yet, so it cannot tell. Other errors (a 400 for a bad request) are the client's to see and are not
/// retried. `trace` learns each target as it is tried, so a failure is counted against the last one.
/// The route is chosen from the request and Claude Code's `hints`. A `max_tokens: 0` request goes no
/// further than the first target that cannot take the 0: that one is answered by the proxy (`EmptyAnswer`).
enum FallbackSender {
    /// Where a request went.
    enum Outcome {
        /// An upstream answered (its response head, with a success status).
        case upstream(call: UpstreamCall, response: HTTPClientResponse)
        /// A `max_tokens: 0` request reached a target that cannot take the 0.
        case empty(RouteTarget)
    }

    static func send(
        _ request: MessagesRequest, hints: ClaudeCodeHints, snapshot: SettingsSnapshot, client: CurlHTTPClient, metrics: ProxyMetrics,
        trace: RequestTrace?, logger: Logger
    ) async throws -> Outcome {
        let (targets, emptyTarget, estimatedTokens) = try plan(request, hints: hints, snapshot: snapshot)
        var lastError: (any AnthropicErrorRepresentable)?
        targets: for (position, target) in targets.enumerated() {
            let isLastTarget = position == targets.count - 1 && emptyTarget == nil
            trace?.routed(to: target)
            let pool = snapshot.pool(for: target)
            let keys = snapshot.keyOrder(for: target, session: request.sessionID)
            for (keyPosition, key) in keys.enumerated() {
                let isLastKey = keyPosition == keys.count - 1
                let call: UpstreamCall
                switch await prepare(
                    request, target: target, pool: pool, key: key, estimatedTokens: estimatedTokens, snapshot: snapshot,
                    client: client, isLast: isLastTarget, logger: logger)
                {
                case .success(let prepared):
                    call = prepared
                case .failure(let error):
                    // The target cannot even be asked (its API key is not configured): try the next one.
                    guard !isLastTarget else { throw error }
                    lastError = error
                    continue targets
                }
                let sent = ContinuousClock.now
                do {
                    let response = try await call.send(with: client, metrics: metrics)
                    metrics.upstreamResponded(provider: call.providerName, model: call.upstreamModel, after: .now - sent)
                    return .upstream(call: call, response: response)
                } catch let error as any AnthropicErrorRepresentable {
                    lastError = error
                    if error.anthropicError.status == 401 { pool.refused(at: key) }
                    switch nextStep(
                        after: error, of: call, target: target, isLastKey: isLastKey, isLastTarget: isLastTarget,
                        snapshot: snapshot, metrics: metrics, logger: logger)
                    {
                    case .nextKey: continue
                    case .nextTarget: continue targets
                    case .fail: throw error
                    }
                }
            }
        }
        if let emptyTarget { return .empty(emptyTarget) }
        throw lastError ?? AnthropicError(.api, "no target to send the request to")
    }

    // Out of line so their temporaries stay out of `send`'s frame, which lives as long as a stream.

    /// The targets to send to, in order; for `max_tokens: 0`, those before the first that cannot take the
    /// 0, and that one.
    @inline(never)
    private static func plan(
        _ request: MessagesRequest, hints: ClaudeCodeHints, snapshot: SettingsSnapshot
    ) throws(AnthropicError) -> (targets: [RouteTarget], empty: RouteTarget?, estimatedTokens: Int) {
        let traits = RequestTraits(request: request, hints: hints)
        let targets = try snapshot.targets(for: traits)
        guard snapshot.settings.tokens.generatesNothing(requested: request.maxTokens),
            let first = targets.firstIndex(where: { !type(of: snapshot.pool(for: $0).adapter).takesAnthropicMaxTokens })
        else { return (targets, nil, traits.estimatedPromptTokens) }
        return (Array(targets[..<first]), targets[first], traits.estimatedPromptTokens)
    }

    @inline(never)
    private static func prepare(
        _ request: MessagesRequest, target: RouteTarget, pool: KeyPool, key: Int, estimatedTokens: Int, snapshot: SettingsSnapshot,
        client: CurlHTTPClient, isLast: Bool, logger: Logger
    ) async -> Result<UpstreamCall, AnthropicError> {
        do throws(AnthropicError) {
            let call = try UpstreamCall(
                request: request, target: target, adapter: pool.adapter, key: try await pool.key(at: key, client: client),
                keyID: pool.keyIDs[key],
                estimatedInputTokens: estimatedTokens,
                settings: snapshot.settings
            )
            logger.debug("\(request.stream ? "stream" : "request") \(request.model) → \(call.routeLabel)")
            return .success(call)
        } catch {
            if !isLast { logger.warning("\(target.label) is not usable (\(error.message)); trying the next fallback") }
            return .failure(error)
        }
    }

    /// Where a failed call's request goes next.
    private enum NextStep {
        case nextKey, nextTarget, fail
    }

    /// Cools the call's key down where the failure calls for it, logs it, counts it, and says where the
    /// request goes next.
    @inline(never)
    private static func nextStep(
        after error: any AnthropicErrorRepresentable, of call: UpstreamCall, target: RouteTarget, isLastKey: Bool,
        isLastTarget: Bool, snapshot: SettingsSnapshot, metrics: ProxyMetrics, logger: Logger
    ) -> NextStep {
        let anthropicError = error.anthropicError
        coolDown(call.keyID, of: target, after: anthropicError, cooldowns: snapshot.cooldowns)
        if !isLastKey, refusesKey(anthropicError) {
            logger.warning(
                "\(target.label) refused key \(call.keyID) (\(anthropicError.status) \(anthropicError.message)); trying the provider's next key"
            )
            return .nextKey
        }
        let handedOver = handOver(anthropicError, from: target, isLast: isLastTarget, logger: logger)
        metrics.upstreamFailed(provider: call.providerName, model: call.upstreamModel, kind: failureKind(error), handedOver: handedOver)
        return handedOver ? .nextTarget : .fail
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

    /// Whether an upstream failure is about the key rather than the request: another key may succeed.
    private static func refusesKey(_ error: AnthropicError) -> Bool {
        error.status == 429 || error.status == 401
    }

    /// Logs `error` from `target`; true when the next target should be tried.
    private static func handOver(_ error: AnthropicError, from target: RouteTarget, isLast: Bool, logger: Logger) -> Bool {
        guard !isLast, shouldFallBack(after: error) else { return false }
        logger.warning("\(target.label) failed (\(error.status) \(error.message)); trying the next fallback")
        return true
    }

    /// Whether an upstream failure is worth another target: rate limits, timeouts, server-side and
    /// transport failures. A 4xx about the request itself would fail the same way anywhere.
    private static func shouldFallBack(after error: AnthropicError) -> Bool {
        error.status == 429 || error.status == 408 || error.status >= 500
    }

    /// Cools a key down after a refusal: a 429 for its `retry-after` (or a few seconds), a 401 for a minute.
    private static func coolDown(_ key: String, of target: RouteTarget, after error: AnthropicError, cooldowns: TargetCooldowns) {
        switch error.status {
        case 429:
            let retryAfter = error.headers.first { $0.name == "retry-after" }.flatMap { Int($0.value) }
            cooldowns.coolDown(target, key: key, for: retryAfter.map { .seconds($0) } ?? TargetCooldowns.rateLimited)
        case 401:
            cooldowns.coolDown(target, key: key, for: TargetCooldowns.refused)
        default:
            break
        }
    }
}
