import HTTPTypes
import Hummingbird
import ProxyCore

extension AnthropicError {
    /// The error as an HTTP response: its status, its headers, and the Anthropic JSON body.
    func response(requestID: String?) -> Response {
        var fields = HTTPFields()
        if let requestID, !requestID.isEmpty { fields[HTTPField.Name("request-id")!] = requestID }
        for header in responseHeaders {
            if let name = HTTPField.Name(header.name) { fields[name] = header.value }
        }
        return Response.json(json(requestID: requestID), status: HTTPResponse.Status(code: status), headers: fields)
    }
}
