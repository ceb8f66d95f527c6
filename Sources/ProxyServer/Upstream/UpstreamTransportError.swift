import CurlHTTP
import ProxyCore

/// A provider that could not be reached, timed out or sent too much: the transport failed, not the
/// provider's answer. Renders as 502 (unreachable), 504 (timeout) or 500, naming the provider and host only.
struct UpstreamTransportError: AnthropicErrorRepresentable {
    let provider: String
    let failure: HTTPClientError

    var anthropicError: AnthropicError {
        switch failure.kind {
        case .timeout:
            return AnthropicError(.timeout, "provider '\(provider)' timed out: \(failure.message)")
        case .responseTooLarge:
            return AnthropicError(.api, "provider '\(provider)' sent a response larger than the proxy accepts")
        default:
            return AnthropicError(.api, "cannot reach provider '\(provider)': \(failure.message)", status: 502)
        }
    }
}
