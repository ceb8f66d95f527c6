/// The parts of a `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]` URL, the form libpq and
/// every PostgreSQL tool take, so config.yaml can name a store the way its operators already write it.
///
/// `host=/path` in the query names a Unix socket directory instead of a host. Percent-escapes in the user,
/// password and database are decoded.
package struct PostgresURL: Sendable, Equatable {
    /// libpq's `sslmode` values that the store takes.
    package enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS always, without checking the certificate.
        case require
        /// TLS always, the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    package var user: String
    package var password: String?
    /// A host name or address; nil when `socketDirectory` is used.
    package var host: String?
    package var port: Int
    /// The directory of the server's Unix socket (`?host=/run/postgresql`).
    package var socketDirectory: String?
    package var database: String?
    package var tls: TLSMode

    /// nil when `text` is not such a URL (a wrong scheme, no user, a bad port, an unknown `sslmode`).
    package init?(_ text: String) {
        guard let schemeEnd = text.firstRange(of: "://"), ["postgresql", "postgres"].contains(text[..<schemeEnd.lowerBound]) else {
            return nil
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let key = Self.decoded(parts[0]), let value = Self.decoded(parts[1]) else { return nil }
                query[key] = value
            }
            rest = rest[..<mark]
        }
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            database = name.isEmpty ? nil : Self.decoded(name)
            if !name.isEmpty, database == nil { return nil }
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let credentials = rest[..<at]
        var address = rest[rest.index(after: at)...]
        if let colon = credentials.firstIndex(of: ":") {
            guard let user = Self.decoded(credentials[..<colon]),
                let password = Self.decoded(credentials[credentials.index(after: colon)...])
            else { return nil }
            self.user = user
            self.password = password
        } else {
            guard let user = Self.decoded(credentials) else { return nil }
            self.user = user
        }
        guard !user.isEmpty else { return nil }
        port = 5432
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            host = String(address[address.index(after: address.startIndex)..<close])
            address = address[address.index(after: close)...]
            if address.hasPrefix(":") {
                guard let number = Int(address.dropFirst()), (1...65535).contains(number) else { return nil }
                port = number
            } else if !address.isEmpty {
                return nil
            }
        } else {
            if let colon = address.lastIndex(of: ":") {
                guard let number = Int(address[address.index(after: colon)...]), (1...65535).contains(number) else { return nil }
                port = number
                address = address[..<colon]
            }
            host = address.isEmpty ? nil : String(address)
        }
        if let directory = query.removeValue(forKey: "host") {
            guard directory.hasPrefix("/") else { return nil }
            socketDirectory = directory
            host = nil
        }
        guard host != nil || socketDirectory != nil else { return nil }
        if let mode = query.removeValue(forKey: "sslmode") {
            guard let tls = TLSMode(rawValue: mode) else { return nil }
            self.tls = tls
        } else {
            tls = .prefer
        }
        guard query.isEmpty else { return nil }
    }

    /// The URL without its password, for logs: `postgresql://proxy@db:5432/proxy`.
    package var redacted: String {
        let host = socketDirectory == nil ? (self.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "") : ""
        let socket = socketDirectory.map { "?host=\($0)" } ?? ""
        return "postgresql://\(user)@\(host):\(port)/\(database ?? "")\(socket)"
    }

    /// Percent-decoding; nil for a malformed escape or bytes that are not UTF-8.
    private static func decoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high < utf8.endIndex else { return nil }
                let low = utf8.index(after: high)
                guard low < utf8.endIndex, let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
