import CoreMetrics
import Metrics
import Prometheus
import ProxyCore
import Synchronization

/// The proxy's metrics, recorded through swift-metrics into a Prometheus registry that `GET /metrics`
/// renders in Prometheus' text format.
///
/// One instance per running proxy (not the process-wide `MetricsSystem`), so several proxies in one
/// process — tests — keep separate counts. Label values a client chooses (its model name) are capped in
/// number: past a limit of distinct values they count as `other`, so no client can grow the
/// registry without bound.
package final class ProxyMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: HelpedMetricsFactory
    private let clientModels = LabelValues(limit: 200)
    /// Client key names (managed keys, `static:HASH8`): past the first 1,000, `other`.
    private let keyNames = LabelValues(limit: 1000)
    private let requestsInFlight: Meter
    private let streamsInFlight: Meter
    private let cooldownsActive: Meter
    /// Sampled at each scrape: the keys of targets cooling down after a refusal.
    private let cooldowns: Mutex<(@Sendable () -> Int)?> = Mutex(nil)
    /// Sampled at each scrape, with a store: the ledger rows waiting, and whether the store answers.
    private let gateway: Mutex<(queueDepth: @Sendable () -> Int, storeUp: @Sendable () -> Bool)?> = Mutex(nil)

    package init() {
        factory = HelpedMetricsFactory(registry: registry)
        // The series without labels exist from the start, so a scrape before any traffic shows them at 0.
        requestsInFlight = Meter(label: Name.requestsInFlight, factory: factory)
        streamsInFlight = Meter(label: Name.streamsInFlight, factory: factory)
        cooldownsActive = Meter(label: Name.cooldownsActive, factory: factory)
        for meter in [requestsInFlight, streamsInFlight, cooldownsActive] { meter.set(0) }
    }

    /// The text exposition of every metric.
    package func exposition() -> [UInt8] {
        let active = cooldowns.withLock { $0?() } ?? 0
        cooldownsActive.set(active)
        if let (queueDepth, storeUp) = gateway.withLock({ $0 }) {
            Meter(label: Name.ledgerQueue, factory: factory).set(queueDepth())
            Meter(label: Name.storeUp, factory: factory).set(storeUp() ? 1 : 0)
        }
        return registry.emitToBuffer()
    }

    /// Where `exposition` reads the ledger's queue and the store's health from (a proxy with a store).
    func observeGateway(queueDepth: @escaping @Sendable () -> Int, storeUp: @escaping @Sendable () -> Bool) {
        gateway.withLock { $0 = (queueDepth, storeUp) }
    }

    /// A finished request of a client key (its name, never the key): its count by status class, its tokens
    /// and what they cost.
    func keyRequestFinished(key: String, status: Int, usage: TokenUsage?, cost: Double) {
        let key = keyNames.value(for: key)
        Counter(label: Name.keyRequests, dimensions: [("key", key), ("status_class", "\(status / 100)xx")], factory: factory).increment()
        if let usage {
            for (type, count) in Self.tokenTypes(usage) where count > 0 {
                Counter(label: Name.keyTokens, dimensions: [("key", key), ("type", type)], factory: factory).increment(by: count)
            }
        }
        if cost > 0 { FloatingPointCounter(label: Name.keySpend, dimensions: [("key", key)], factory: factory).increment(by: cost) }
    }

    /// A managed key's request refused by one of its limits (`rpm`, `tpm`, `budget`, `models`).
    func limitRefused(key: String, limit: String) {
        Counter(label: Name.limitRefusals, dimensions: [("key", keyNames.value(for: key)), ("limit", limit)], factory: factory).increment()
    }

    /// What became of ledger rows.
    enum LedgerOutcome: String {
        /// Committed to the store.
        case written
        /// Refused by a full queue.
        case dropped
        /// Still queued when the proxy stopped with the store unreachable.
        case lost
    }

    func ledgerRows(_ outcome: LedgerOutcome, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: Name.ledgerRows, dimensions: [("outcome", outcome.rawValue)], factory: factory).increment(by: count)
    }

    /// Where `exposition` reads the number of cooling targets from.
    func observeCooldowns(_ count: @escaping @Sendable () -> Int) {
        cooldowns.withLock { $0 = count }
    }

    func requestStarted() {
        requestsInFlight.increment()
    }

    /// A finished request: its count by client model, Claude Code's request class, route, status class and
    /// streaming, and its duration.
    func requestFinished(clientModel: String?, hints: ClaudeCodeHints, route: String?, status: Int, stream: Bool, duration: Duration) {
        requestsInFlight.decrement()
        let route = route ?? "none"
        let streamed = stream ? "true" : "false"
        Counter(
            label: Name.requests,
            dimensions: [
                ("client_model", clientModels.value(for: clientModel ?? "none")), ("request_class", hints.requestClassLabel),
                ("route", route), ("status_class", "\(status / 100)xx"), ("stream", streamed),
            ], factory: factory
        ).increment()
        Timer(label: Name.requestDuration, dimensions: [("route", route), ("stream", streamed)], factory: factory).record(
            duration: duration)
    }

    func streamStarted() {
        streamsInFlight.increment()
    }

    func streamEnded() {
        streamsInFlight.decrement()
    }

    /// The time from sending to the upstream's response head.
    func upstreamResponded(provider: String, model: String, after duration: Duration) {
        Timer(label: Name.upstreamLatency, dimensions: [("provider", provider), ("model", model)], factory: factory).record(
            duration: duration)
    }

    /// The time from the client's request to the first answer event written to it.
    func firstToken(provider: String, model: String, after duration: Duration) {
        Timer(label: Name.timeToFirstToken, dimensions: [("provider", provider), ("model", model)], factory: factory)
            .record(duration: duration)
    }

    func tokens(provider: String, model: String, usage: TokenUsage) {
        for (type, count) in Self.tokenTypes(usage) where count > 0 {
            Counter(label: Name.tokens, dimensions: [("provider", provider), ("model", model), ("type", type)], factory: factory)
                .increment(by: count)
        }
    }

    /// The `type` label of each kind of token, with its count.
    private static func tokenTypes(_ usage: TokenUsage) -> [(String, Int)] {
        [
            ("input", usage.inputTokens), ("output", usage.outputTokens), ("cache_read", usage.cacheReadInputTokens),
            ("cache_creation", usage.cacheCreationInputTokens),
        ]
    }

    /// One call to an upstream with one of its provider's keys (by its short hash, never the key itself)
    /// and how it answered: its HTTP status, or `transport` when none came.
    func upstreamKeyAnswered(provider: String, key: String, status: String) {
        Counter(label: Name.upstreamCalls, dimensions: [("provider", provider), ("key", key), ("status", status)], factory: factory)
            .increment()
    }

    /// A target failed; `handedOver` when the request then went to the route's next fallback.
    func upstreamFailed(provider: String, model: String, kind: String, handedOver: Bool) {
        Counter(label: Name.upstreamFailures, dimensions: [("provider", provider), ("kind", kind)], factory: factory).increment()
        if handedOver {
            Counter(label: Name.fallbacks, dimensions: [("provider", provider), ("model", model)], factory: factory).increment()
        }
    }

    /// The metric names (Prometheus conventions: one prefix, `_total` counters, base units) and their help.
    package enum Name {
        package static let requests = "claude_code_proxy_requests_total"
        package static let requestDuration = "claude_code_proxy_request_duration_seconds"
        package static let requestsInFlight = "claude_code_proxy_requests_in_flight"
        package static let streamsInFlight = "claude_code_proxy_streams_in_flight"
        package static let upstreamLatency = "claude_code_proxy_upstream_response_seconds"
        package static let timeToFirstToken = "claude_code_proxy_time_to_first_token_seconds"
        package static let tokens = "claude_code_proxy_tokens_total"
        package static let fallbacks = "claude_code_proxy_fallbacks_total"
        package static let upstreamFailures = "claude_code_proxy_upstream_failures_total"
        package static let cooldownsActive = "claude_code_proxy_cooldowns_active"
        package static let upstreamCalls = "claude_code_proxy_upstream_calls_total"
        package static let keyRequests = "claude_code_proxy_key_requests_total"
        package static let keyTokens = "claude_code_proxy_key_tokens_total"
        package static let keySpend = "claude_code_proxy_key_spend_dollars_total"
        package static let limitRefusals = "claude_code_proxy_limit_refusals_total"
        package static let ledgerRows = "claude_code_proxy_ledger_rows_total"
        package static let ledgerQueue = "claude_code_proxy_ledger_queue_rows"
        package static let storeUp = "claude_code_proxy_store_up"

        package static let help: [String: String] = [
            requests: "Requests to /v1/messages by client model, route (provider/model), status class and streaming.",
            requestDuration: "Time from a request's arrival to the end of its answer (a stream's last event).",
            requestsInFlight: "Requests to /v1/messages being served now.",
            streamsInFlight: "Streamed answers being written now.",
            upstreamLatency: "Time from sending a request upstream to the upstream's response head.",
            timeToFirstToken: "Time from a streamed request's arrival to the first answer event written to the client.",
            tokens: "Tokens by provider, upstream model and type (input, output, cache_read, cache_creation).",
            fallbacks: "Requests handed to a route's next target after this target failed.",
            upstreamFailures:
                "Upstream calls that failed, by provider and kind (the error type of its answer, or timeout, connect, transport).",
            cooldownsActive: "Provider keys tried last because their target refused them recently (a 429, or a 401).",
            upstreamCalls:
                "Calls to upstreams by provider, key (the first 8 hex digits of its SHA-256; none without a key) and HTTP status (or transport).",
            keyRequests: "Requests to /v1/messages by client key name (static:HASH8 for server.api_keys) and status class.",
            keyTokens: "Tokens by client key name and type (input, output, cache_read, cache_creation).",
            keySpend: "US dollars spent by client key name, from the targets' prices.",
            limitRefusals: "Requests of managed keys refused by a limit (rpm, tpm, budget, models).",
            ledgerRows:
                "Usage ledger rows by outcome: written to the store, dropped by a full queue, lost at a stop with the store unreachable.",
            ledgerQueue: "Usage ledger rows waiting to be written to the store.",
            storeUp: "1 while the store answers, 0 while it does not.",
        ]
    }
}

/// A swift-metrics factory over a Prometheus registry that gives each metric its help text, which
/// Prometheus' tooling (`promtool check metrics`) requires; the durations are histograms in seconds.
///
/// Each series' handler is made once and kept: the registry validates names, labels and help text on
/// every lookup, which per request would cost more than the counting itself.
private final class HelpedMetricsFactory: MetricsFactory, Sendable {
    let registry: PrometheusCollectorRegistry
    private let handlers = Mutex<[String: any Sendable]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The kept handler of a series, made by `make` the first time.
    private func handler<Handler: Sendable>(_ label: String, _ dimensions: [(String, String)], make: () -> Handler) -> Handler {
        var key = label
        for (name, value) in dimensions { key += "\u{1}" + name + "\u{2}" + value }
        return handlers.withLock { handlers in
            if let kept = handlers[key] as? Handler { return kept }
            let made = make()
            handlers[key] = made
            return made
        }
    }

    static let seconds: [Duration] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300].map { .milliseconds(Int64($0 * 1000)) }

    private func help(_ label: String) -> String { ProxyMetrics.Name.help[label] ?? "" }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        handler(label, dimensions) { registry.makeCounter(name: label, labels: dimensions, help: help(label)) }
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        handler(label, dimensions) { registry.makeCounter(name: label, labels: dimensions, help: help(label)) }
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        handler(label, dimensions) { registry.makeGauge(name: label, labels: dimensions, help: help(label)) }
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        registry.makeGauge(name: label, labels: dimensions, help: help(label))
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        handler(label, dimensions) {
            registry.makeDurationHistogram(name: label, labels: dimensions, buckets: Self.seconds, help: help(label))
        }
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// The values one label may take: the first `limit` seen, then `other`.
private final class LabelValues: Sendable {
    let limit: Int
    private let seen = Mutex<Set<String>>([])

    init(limit: Int) {
        self.limit = limit
    }

    func value(for candidate: String) -> String {
        seen.withLock { seen in
            if seen.contains(candidate) { return candidate }
            guard seen.count < limit else { return "other" }
            seen.insert(candidate)
            return candidate
        }
    }
}
