import Logging
import ProxyCore
import Synchronization

/// What one client request came to, gathered as it is served and reported once at its end: the access
/// log line (method, path, status, route, latency, time to first token, tokens; the request id is in
/// the logger's metadata) and the request metrics.
///
/// A streamed answer ends after its handler returned, so its stream reports it (`finishesLater`).
final class RequestTrace: Sendable {
    private struct State {
        var clientModel: String?
        var route: String?
        var provider: String?
        var upstreamModel: String?
        var stream = false
        var firstToken: Duration?
        var usage: TokenUsage?
        var finishesLater = false
        var streaming = false
        var finished = false
    }

    let method: String
    let path: String
    private let start = ContinuousClock.now
    private let metrics: ProxyMetrics
    private let logger: Logger
    private let state = Mutex(State())

    /// Probes (`/health`, `/`) are logged at debug, every other request at info.
    init(method: String, path: String, metrics: ProxyMetrics, logger: Logger) {
        self.method = method
        self.path = path
        self.metrics = metrics
        self.logger = logger
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

    /// A target answered and serves the request.
    func routed(route: String, provider: String, upstreamModel: String) {
        state.withLock {
            $0.route = route
            $0.provider = provider
            $0.upstreamModel = upstreamModel
        }
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
            let state = state.withLock({ state -> State? in
                guard !state.finished, !(byHandler && state.finishesLater) else { return nil }
                state.finished = true
                return state
            })
        else { return }
        if state.streaming { metrics.streamEnded() }
        if isMessages {
            metrics.requestFinished(
                clientModel: state.clientModel, route: state.route, status: status, stream: state.stream, duration: duration)
        }
        // Built only when the level is on: the message is an autoclosure.
        if path == "/health" || path == "/" {
            logger.debug("\(Self.line(method: method, path: path, status: status, state: state, duration: duration))")
        } else {
            logger.info("\(Self.line(method: method, path: path, status: status, state: state, duration: duration))")
        }
    }

    /// `POST /v1/messages 200 claude-opus-4-5 → openai/gpt-4o stream 1843 ms, first token 212 ms, tokens 1200 in / 56 out`.
    private static func line(method: String, path: String, status: Int, state: State, duration: Duration) -> String {
        var line = "\(method) \(path) \(status)"
        if let model = state.clientModel { line += " \(model)" }
        if let route = state.route { line += " → \(route)" }
        if state.stream { line += " stream" }
        line += " \(milliseconds(duration)) ms"
        if let first = state.firstToken { line += ", first token \(milliseconds(first)) ms" }
        if let usage = state.usage {
            let input = usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens
            line += ", tokens \(input) in / \(usage.outputTokens) out"
        }
        return line
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
