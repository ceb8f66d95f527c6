import HTTPTypes
import Hummingbird
import NIOCore
import ProxyCore

/// The answer to `max_tokens: 0` from a target that does not read `max_tokens` as Anthropic does (the
/// route's first, or the fallback it reaches: `FallbackSender.Outcome.empty`).
///
/// Anthropic's API takes 0 as "read the prompt, warming its cache, and generate nothing" (Claude Code
/// sends such requests); other APIs refuse a 0 or generate anyway. So the proxy answers itself, without
/// calling the upstream: no content, `stop_reason: max_tokens`, the prompt's estimated usage, as a
/// message or as an event stream, with the route headers and ledger row of any answer. Nothing was
/// spent upstream, so the ledger and the token metrics count no tokens for it.
enum EmptyAnswer {
    /// The answer, once its ledger row is written (as every answer's is before its last bytes).
    static func response(for request: MessagesRequest, target: RouteTarget, trace: RequestTrace?) async -> Response {
        let usage = TokenUsage(inputTokens: TokenEstimator.estimateInput(of: request))
        trace?.routed(to: target)
        let id = AnthropicID.make(prefix: "msg_")
        var headers = HTTPFields()
        var body: [UInt8] = []
        if request.stream {
            headers = StreamingResponse.headers
            let events: [StreamEvent] = [
                .messageStart(id: id, model: request.model, usage: usage),
                .messageDelta(stopReason: .maxTokens, stopSequence: nil, usage: usage), .messageStop,
            ]
            for event in events { event.writeSSE(into: &body) }
        } else {
            headers[.contentType] = "application/json"
            body = AnthropicMessage(id: id, model: request.model, content: [], stopReason: .maxTokens, usage: usage).json.serialized()
        }
        await trace?.settle()
        let response = Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        return MessagesEndpoints.labelled(
            response, route: target.label, provider: target.provider.name, upstreamModel: target.upstreamModel)
    }
}
