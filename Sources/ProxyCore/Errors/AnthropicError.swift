/// The `error.type` values of Anthropic's API (docs/translation.md §6.2).
public enum AnthropicErrorType: String, Sendable {
    /// 400: the request is malformed or cannot be served.
    case invalidRequest = "invalid_request_error"
    /// 401: a key is missing or wrong.
    case authentication = "authentication_error"
    /// 402: the account cannot pay.
    case billing = "billing_error"
    /// 403: the key may not do this.
    case permission = "permission_error"
    /// 404: no such model, route or path.
    case notFound = "not_found_error"
    /// 413: the body is over the limit.
    case requestTooLarge = "request_too_large"
    /// 429: slow down (`retry-after` says how long).
    case rateLimit = "rate_limit_error"
    /// 500 (502 for a provider that failed): something broke.
    case api = "api_error"
    /// 504: the provider did not answer in time.
    case timeout = "timeout_error"
    /// 529: the provider or the proxy is overloaded or shutting down.
    case overloaded = "overloaded_error"

    /// The type for an upstream HTTP status.
    public init(upstreamStatus status: Int) {
        switch status {
        case 400, 422: self = .invalidRequest
        case 401: self = .authentication
        case 402: self = .billing
        case 403: self = .permission
        case 404: self = .notFound
        case 408, 504: self = .timeout
        case 413: self = .requestTooLarge
        case 429: self = .rateLimit
        case 503, 529: self = .overloaded
        default: self = status >= 400 && status < 500 ? .invalidRequest : .api
        }
    }

    /// The HTTP status the proxy answers with for this type.
    public var status: Int {
        switch self {
        case .invalidRequest: return 400
        case .authentication: return 401
        case .billing: return 402
        case .permission: return 403
        case .notFound: return 404
        case .requestTooLarge: return 413
        case .rateLimit: return 429
        case .api: return 500
        case .timeout: return 504
        case .overloaded: return 529
        }
    }
}

/// Every failure the client sees, in Anthropic's shape: `{"type":"error","error":{"type":…,"message":…}}`.
///
/// It carries its own status and headers so the server renders any failure in one place.
public struct AnthropicError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `error.type` the client sees.
    public var type: AnthropicErrorType
    /// The HTTP status (the type's own unless given).
    public var status: Int
    /// The `error.message`; the proxy redacts keys from it before it leaves.
    public var message: String
    /// Response headers that go with it (`retry-after`, `x-should-retry`).
    public var headers: [HTTPHeader]

    /// An error of `type`, with the type's status unless `status` says otherwise.
    public init(_ type: AnthropicErrorType, _ message: String, status: Int? = nil, headers: [HTTPHeader] = []) {
        self.type = type
        self.status = status ?? type.status
        self.message = message
        self.headers = headers
    }

    /// `STATUS type: message`, for logs.
    public var description: String { "\(status) \(type.rawValue): \(message)" }

    /// The Anthropic error body.
    public func json(requestID: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("type", "error"), ("error", ["type": .string(type.rawValue), "message": .string(message)]),
        ]
        if let requestID { members.append(("request_id", .string(requestID))) }
        return .object(members)
    }

    /// The headers the client gets: `headers`, and `x-should-retry: false` on an error that the same request
    /// cannot get past by being sent again — a key refused or not allowed, an account that cannot pay, a
    /// prompt over the context window (Claude Code compacts instead) — unless `headers` say otherwise.
    public var responseHeaders: [HTTPHeader] {
        guard !headers.contains(where: { $0.name == "x-should-retry" }) else { return headers }
        let final: Bool
        switch type {
        case .authentication, .permission, .billing: final = true
        case .invalidRequest: final = message.hasPrefix(ContextOverflow.sentence)
        default: final = false
        }
        return final ? headers + [HTTPHeader("x-should-retry", "false")] : headers
    }

    /// Equal in type, status, message and headers.
    public static func == (lhs: AnthropicError, rhs: AnthropicError) -> Bool {
        lhs.type == rhs.type && lhs.status == rhs.status && lhs.message == rhs.message
            && lhs.headers == rhs.headers
    }
}

extension AnthropicError {
    /// A 400 `invalid_request_error`: the client's request cannot be served as written.
    public static func invalidRequest(_ message: String) -> AnthropicError {
        AnthropicError(.invalidRequest, message)
    }

    /// A 404 `not_found_error`.
    public static func notFound(_ message: String) -> AnthropicError {
        AnthropicError(.notFound, message)
    }
}
