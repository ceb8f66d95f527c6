import Logging
import ProxyCore
import ProxyStore
import Synchronization

/// What one client request came to, gathered as it is served and reported once at its end: the access
/// log line (method, path, status, model, Claude Code's request class and agent type, route, latency,
/// time to first token, tokens; the request id is in the logger's metadata), the request metrics, and
/// with a store, the request's row in the usage ledger.
///
/// A streamed answer ends after its handler returned, so its stream reports it (`finishesLater`).
final class RequestTrace: Sendable {
    private struct State {
        var clientModel: String?
        var route: String?
        var provider: String?
        var upstreamModel: String?
        var prices = ModelPrices()
        var stream = false
        var firstToken: Duration?
        var usage: TokenUsage?
        var client: ClientIdentity?
        /// The status of the `error` event a stream ended with after its 200.
        var streamFailure: Int?
        var finishesLater = false
        var streaming = false
        var finished = false
        /// The answer's last events are about to go out (`settle`): nothing can fail it any more.
        var completed = false
        /// The ledger has the request's row.
        var recorded = false
    }

    let method: String
    let path: String
    let hints: ClaudeCodeHints
    private let start = ContinuousClock.now
    private let metrics: ProxyMetrics
    private let logger: Logger
    private let ledger: LedgerContext?
    private let state = Mutex(State())

    /// What the ledger row takes from the request itself, when there is a store.
    struct LedgerContext: Sendable {
        let gateway: GatewayState
        let requestID: String
        /// Unix milliseconds.
        let arrivedAt: Int64
    }

    /// Probes (`/health`, `/`) are logged at debug, every other request at info.
    init(
        method: String, path: String, hints: ClaudeCodeHints = ClaudeCodeHints(), metrics: ProxyMetrics, logger: Logger,
        ledger: LedgerContext? = nil
    ) {
        self.method = method
        self.path = path
        self.hints = hints
        self.metrics = metrics
        self.logger = logger
        self.ledger = path == "/v1/messages" ? ledger : nil
        if isMessages { metrics.requestStarted() }
    }

    private var isMessages: Bool { path == "/v1/messages" }

    /// The request was decoded.
    func requested(model: String, stream: Bool) {
        state.withLock {
            $0.clientModel = model
            $0.stream = stream
        }
    }

    /// The client key the request came with.
    func identified(_ client: ClientIdentity) {
        state.withLock { $0.client = client }
    }

    /// The request goes to `target` (the last one tried serves it, or answers its failure); its prices
    /// price the usage.
    func routed(to target: RouteTarget) {
        state.withLock {
            $0.route = target.label
            $0.provider = target.provider.name
            $0.upstreamModel = target.upstreamModel
            $0.prices = target.metadata.prices
        }
    }

    /// A stream ended with an `error` event of `status` after its 200, or (499) its client left before the
    /// end; the first such end counts, and none once the answer completed.
    func streamFailed(status: Int) {
        state.withLock { state in
            if !state.completed, state.streamFailure == nil { state.streamFailure = status }
        }
    }

    /// The answer succeeded and its usage is known: with a store, its ledger row is written now, and this
    /// returns once it is committed (at most `store.ledger_wait`), before the answer's last bytes go out.
    func settle() async {
        let row = state.withLock { state -> LedgerRow? in
            // A stream whose upstream relayed an `error` event did not succeed: its row comes at its end.
            guard state.streamFailure == nil else { return nil }
            state.completed = true
            guard let ledger, !state.recorded,
                let row = Self.ledgerRow(state: state, context: ledger, hints: hints, status: 200, duration: .now - start)
            else { return nil }
            state.recorded = true
            return row
        }
        guard let row, let gateway = ledger?.gateway else { return }
        await gateway.ledger.waitUntilWritten(gateway.record(row))
    }

    /// The stream's body started: it is in flight until `finish`.
    func streamStarted() {
        state.withLock { $0.streaming = true }
        metrics.streamStarted()
    }

    /// The handler returns a stream, which will call `finish` when it ends.
    func finishesLater() {
        state.withLock { $0.finishesLater = true }
    }

    /// The first answer event went to the client.
    func firstTokenSent() {
        let elapsed = ContinuousClock.now - start
        let target = state.withLock { state -> (String, String)? in
            guard state.firstToken == nil else { return nil }
            state.firstToken = elapsed
            return state.provider.flatMap { provider in state.upstreamModel.map { (provider, $0) } }
        }
        if let (provider, model) = target { metrics.firstToken(provider: provider, model: model, after: elapsed) }
    }

    /// The answer's final usage.
    func used(_ usage: TokenUsage) {
        let target = state.withLock { state -> (String, String)? in
            state.usage = usage
            return state.provider.flatMap { provider in state.upstreamModel.map { (provider, $0) } }
        }
        if let (provider, model) = target { metrics.tokens(provider: provider, model: model, usage: usage) }
    }

    /// The handler's response is out: reports the request unless its stream will.
    func responded(status: Int) {
        report(status: status, byHandler: true)
    }

    /// Reports the request, once.
    func finish(status: Int) {
        report(status: status, byHandler: false)
    }

    private func report(status: Int, byHandler: Bool) {
        let duration = ContinuousClock.now - start
        guard
            let (state, unrecorded) = state.withLock({ state -> (State, Bool)? in
                guard !state.finished, !(byHandler && state.finishesLater) else { return nil }
                state.finished = true
                defer { state.recorded = true }
                return (state, !state.recorded)
            })
        else { return }
        if state.streaming { metrics.streamEnded() }
        if isMessages {
            metrics.requestFinished(
                clientModel: state.clientModel, hints: hints, route: state.route, status: status, stream: state.stream,
                duration: duration)
            if let name = state.client?.name {
                metrics.keyRequestFinished(
                    key: name, status: state.streamFailure ?? status, usage: state.usage, cost: state.usage.map(state.prices.cost(of:)) ?? 0
                )
            }
        }
        // A request refused at the door (no valid client key) has no row: anyone could fill the ledger.
        if unrecorded, let ledger,
            let row = Self.ledgerRow(state: state, context: ledger, hints: hints, status: state.streamFailure ?? status, duration: duration)
        {
            _ = ledger.gateway.record(row)
        }
        // Built only when the level is on: the message is an autoclosure.
        if path == "/health" || path == "/" {
            logger.debug("\(Self.line(method: method, path: path, status: status, hints: hints, state: state, duration: duration))")
        } else {
            logger.info("\(Self.line(method: method, path: path, status: status, hints: hints, state: state, duration: duration))")
        }
    }

    /// `POST /v1/messages 200 claude-opus-4-5 (blocking-subagent, Explore) → openai/gpt-4o stream 1843 ms, first token 212 ms,
    /// tokens 1200 in / 56 out`.
    private static func line(method: String, path: String, status: Int, hints: ClaudeCodeHints, state: State, duration: Duration) -> String
    {
        var line = "\(method) \(path) \(status)"
        if let model = state.clientModel { line += " \(model)" }
        let said = [hints.requestClass, hints.agentType].compactMap { $0 }
        if !said.isEmpty { line += " (\(said.joined(separator: ", ")))" }
        if let route = state.route { line += " → \(route)" }
        if state.stream { line += " stream" }
        line += " \(duration.wholeMilliseconds) ms"
        if let first = state.firstToken { line += ", first token \(first.wholeMilliseconds) ms" }
        if let usage = state.usage {
            let input = usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens
            line += ", tokens \(input) in / \(usage.outputTokens) out"
        }
        return line
    }

    /// The request's row; nil for a request that came without a valid client key.
    private static func ledgerRow(
        state: State, context: LedgerContext, hints: ClaudeCodeHints, status: Int, duration: Duration
    ) -> LedgerRow? {
        guard let name = state.client?.name else { return nil }
        let key = state.client?.managedKey
        let usage = state.usage ?? TokenUsage()
        return LedgerRow(
            requestID: context.requestID, at: context.arrivedAt, keyID: key?.id, keyName: name, sessionID: hints.sessionID,
            requestClass: hints.requestClass, agentType: hints.agentType, clientModel: state.clientModel, route: state.route,
            provider: state.provider, upstreamModel: state.upstreamModel, usage: usage, cost: state.prices.cost(of: usage),
            status: status, latencyMilliseconds: duration.wholeMilliseconds, replica: context.gateway.replica,
            budgetPeriodStart: key.flatMap { $0.limits.budget == nil ? nil : $0.limits.budgetPeriod.start(containing: context.arrivedAt) })
    }
}
