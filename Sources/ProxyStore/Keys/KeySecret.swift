import ProxyCore

/// A managed key's secret: `sk-ccp-` and 43 characters holding 256 random bits. It is shown once, when it
/// is made; the store keeps only its SHA-256, which is all a replica needs to recognise it.
package enum KeySecret {
    package static let prefix = "sk-ccp-"

    /// A new key from the system's cryptographic random source.
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Base64URL.encoded(bytes)
    }

    /// The SHA-256 of a key, in hex, as the store keeps it.
    package static func hash(_ key: String) -> String {
        SHA256.hex(key)
    }

}
