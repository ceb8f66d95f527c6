/// Replaces every configured secret (provider, client and admin keys, the store's password) in text that leaves the proxy: log
/// lines and error messages, which may quote an upstream's answer ("Incorrect API key provided: sk-…").
package struct SecretRedactor: Sendable {
    package static let placeholder = "[REDACTED]"
    private let secrets: [String]

    /// Secrets shorter than 8 characters are ignored: replacing "k" everywhere would garble every line,
    /// and such values are not real keys.
    package init(secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { $0.utf8.count >= 8 })).sorted { $0.utf8.count > $1.utf8.count }
    }

    package init(settings: ProxySettings) {
        var secrets = settings.providers.flatMap { $0.keyPool + [$0.apiKey].compactMap { $0 } }
        secrets += settings.server.apiKeys + settings.server.adminKeys
        if case .postgres(let url) = settings.store?.location, let password = PostgresURL(url)?.password { secrets.append(password) }
        self.init(secrets: secrets)
    }

    package func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacing(secret, with: Self.placeholder)
        }
        return result
    }
}
