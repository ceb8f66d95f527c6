/// The `error.type` values of Anthropic's API (docs/translation.md §6.2).
public enum AnthropicErrorType: String, Sendable {
    case invalidRequest = "invalid_request_error"
    case authentication = "authentication_error"
    case billing = "billing_error"
    case permission = "permission_error"
    case notFound = "not_found_error"
    case requestTooLarge = "request_too_large"
    case rateLimit = "rate_limit_error"
    case api = "api_error"
    case timeout = "timeout_error"
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
    public var type: AnthropicErrorType
    public var status: Int
    public var message: String
    public var headers: [(name: String, value: String)]

    public init(_ type: AnthropicErrorType, _ message: String, status: Int? = nil, headers: [(name: String, value: String)] = []) {
        self.type = type
        self.status = status ?? type.status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status) \(type.rawValue): \(message)" }

    public func json(requestID: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("type", "error"), ("error", ["type": .string(type.rawValue), "message": .string(message)]),
        ]
        if let requestID { members.append(("request_id", .string(requestID))) }
        return .object(members)
    }

    public static func == (lhs: AnthropicError, rhs: AnthropicError) -> Bool {
        lhs.type == rhs.type && lhs.status == rhs.status && lhs.message == rhs.message
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }
}

extension AnthropicError {
    public static func invalidRequest(_ message: String) -> AnthropicError {
        AnthropicError(.invalidRequest, message)
    }

    public static func notFound(_ message: String) -> AnthropicError {
        AnthropicError(.notFound, message)
    }
}
