import HTTPTypes
import Hummingbird
import NIOCore
import ProxyCore

extension Response {
    /// A 200 (or `status`) response carrying `value` as `application/json`.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var fields = extra
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}
