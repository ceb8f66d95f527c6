import Logging
import ProxyCore
import ProxyStore

/// Checks a managed key's model list and limits before its request goes upstream.
///
/// A key with limits costs one store round trip per request: its request is counted in the current
/// minute and the counts of every replica come back with it, so limits hold across replicas. A request
/// refused is taken back out of the count. When the store does not answer within `timeLimit`, this
/// replica's own counts decide (see `LocalCounts`).
struct KeyLimiter: Sendable {
    static let timeLimit: Duration = .seconds(1)
    let store: GatewayStore
    let health: StoreHealth
    let local: LocalCounts
    let metrics: ProxyMetrics
    let logger: Logger

    /// Returns when the key may send a request for `model`; throws the 403 or 429 that says why not.
    func admit(_ key: ManagedKey, model: String) async throws(AnthropicError) {
        guard key.limits.allows(model: model) else {
            metrics.limitRefused(key: key.name, limit: "models")
            throw AnthropicError(
                .permission,
                "key '\(key.name)' may not use model '\(model)'; it may use: \(key.limits.models.joined(separator: ", "))")
        }
        guard key.limits.needsCounts else { return }
        let now = WallClock.milliseconds()
        let periodStart = key.limits.budgetPeriod.start(containing: now)
        let (counts, shared) = await count(key, requests: 1, periodStart: periodStart, now: now)
        guard let refusal = LimitCheck.refusal(for: key, counts: counts, now: now) else { return }
        takeBack(key, periodStart: periodStart, now: now, shared: shared)
        metrics.limitRefused(key: key.name, limit: refusal.limit)
        throw refusal.error
    }

    /// The key's counts with `requests` added: the store's (shared: true), or this replica's when the store
    /// does not answer.
    private func count(_ key: ManagedKey, requests: Int64, periodStart: Int64, now: Int64) async -> (KeyCounts, shared: Bool) {
        do {
            let counts = try await withTimeLimit(Self.timeLimit) { [store] in
                try await store.count(keyID: key.id, requests: requests, periodStart: periodStart, now: now)
            }
            health.succeeded()
            local.learned(counts, keyID: key.id, periodStart: periodStart)
            _ = local.count(keyID: key.id, requests: requests, periodStart: periodStart, now: now)
            return (counts, true)
        } catch {
            health.failed("checking the limits of key '\(key.name)' failed: \(error); this replica's own counts decide")
            return (local.count(keyID: key.id, requests: requests, periodStart: periodStart, now: now), false)
        }
    }

    /// A refused request does not count against the key.
    private func takeBack(_ key: ManagedKey, periodStart: Int64, now: Int64, shared: Bool) {
        _ = local.count(keyID: key.id, requests: -1, periodStart: periodStart, now: now)
        guard shared else { return }
        Task { [store] in
            _ = try? await withTimeLimit(Self.timeLimit) {
                try await store.count(keyID: key.id, requests: -1, periodStart: periodStart, now: now)
            }
        }
    }
}
