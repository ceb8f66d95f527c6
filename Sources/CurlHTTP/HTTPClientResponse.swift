/// The final response head plus its still-streaming body, handed out as soon as the head arrived.
package struct HTTPClientResponse: Sendable {
    package var status: Int
    /// Names lowercased, in arrival order, of the final (non-1xx) response head.
    package var headers: [(name: String, value: String)]
    package var body: HTTPClientResponseBody

    /// The first value of `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }
}
