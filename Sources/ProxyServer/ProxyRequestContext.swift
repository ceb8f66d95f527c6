import Hummingbird
import Logging
import NIOCore
import ProxyCore

/// Per-request state: Hummingbird's core storage, the client's channel (to stop work when the client
/// leaves), the request id that every log line and error carries, and the request's trace.
struct ProxyRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var requestID: String
    /// What the request came to, reported once at its end (set by `AccessLogMiddleware`).
    var trace: RequestTrace?
    /// Who sent it, by the client key it presented (set by `ClientAuthMiddleware` on the API's paths).
    var client: ClientIdentity?
    /// What Claude Code's hint headers say of it (set by `AccessLogMiddleware`).
    var hints = ClaudeCodeHints()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        requestID = ""
    }

    /// Bodies are collected by the endpoints themselves, against the configured limit.
    var maxUploadSize: Int { .max }
}
