import Hummingbird
import Logging
import NIOCore

/// Per-request state: Hummingbird's core storage, the client's channel (to stop work when the client
/// leaves), and the request id that every log line and error carries.
struct ProxyRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var requestID: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        requestID = ""
    }

    /// Bodies are collected by the endpoints themselves, against the configured limit.
    var maxUploadSize: Int { .max }
}
