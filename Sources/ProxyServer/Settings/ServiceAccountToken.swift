import CryptoExtras
import CurlHTTP
import ProxyCore
import ProxyStore
import SystemPackage

/// A provider's key from a Google service account (`service_account_file`, the JSON key file Google Cloud
/// gives for one): a JWT signed with the account's private key (RS256), exchanged at the file's `token_uri`
/// for an OAuth access token (RFC 7523's JWT bearer grant), used until a minute before it expires
/// (`RenewedToken` renews it).
enum ServiceAccountToken {
    /// The access the token asks for: all of Google Cloud, which Vertex AI's calls need.
    static let scope = "https://www.googleapis.com/auth/cloud-platform"
    /// How long the signed assertion is valid: Google's maximum, an hour.
    static let assertionLifetime = 3600
    /// The key file's largest size read: a key file is about 2 KB.
    static let maximumFileSize = 1 << 16

    /// The token source of a provider with a `service_account_file`; the exchange has the server's upstream
    /// timeouts.
    static func source(for provider: ProviderSettings, server: ServerSettings) -> RenewedToken.Fetch {
        { client in try await token(provider, client: client, server: server) }
    }

    /// The key file's fields the exchange needs.
    struct Account {
        var email: String
        var keyID: String?
        var privateKey: String
        var tokenURI: String
    }

    private static func token(
        _ provider: ProviderSettings, client: CurlHTTPClient, server: ServerSettings
    ) async throws -> (token: String, lifetime: Duration) {
        let account = try read(provider)
        let now = Int(WallClock.milliseconds() / 1000)
        let assertion = try signedAssertion(for: account, issuedAt: now, provider: provider.name)
        let body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion
        let request = UpstreamRequest(
            url: account.tokenURI, headers: [HTTPHeader("content-type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        let response = try await client.execute(HTTPClientRequest(request, provider: nil, server: server))
        let answer = try await response.body.collect(upTo: 1 << 20)
        let json = try? JSONParser.parse(answer)
        guard (200..<300).contains(response.status), let token = json?["access_token"]?.stringValue, !token.isEmpty else {
            let reason = json?["error_description"]?.stringValue ?? json?["error"]?.stringValue ?? "status \(response.status)"
            throw failure(provider, "service account \(account.email) got no token from \(account.tokenURI): \(reason)")
        }
        let expiresIn = max((json?["expires_in"]?.intValue ?? 3600) - 60, 30)
        return (token, .seconds(expiresIn))
    }

    /// The key file's account; a 401 naming the file when it cannot be read or is not a key file.
    static func read(_ provider: ProviderSettings) throws(AnthropicError) -> Account {
        let path = provider.serviceAccountFile ?? ""
        let bytes: [UInt8]
        do {
            let file = try FileDescriptor.open(FilePath(path), .readOnly)
            defer { try? file.close() }
            bytes = try [UInt8](unsafeUninitializedCapacity: maximumFileSize) { buffer, count in
                count = try file.read(into: UnsafeMutableRawBufferPointer(buffer))
            }
        } catch {
            throw failure(provider, "cannot read its service_account_file \(path): \(error)")
        }
        guard let json = try? JSONParser.parse(bytes), let email = json["client_email"]?.stringValue,
            let key = json["private_key"]?.stringValue
        else { throw failure(provider, "service_account_file \(path) is not a service-account key (client_email, private_key)") }
        return Account(
            email: email, keyID: json["private_key_id"]?.stringValue, privateKey: key,
            tokenURI: json["token_uri"]?.stringValue ?? "https://oauth2.googleapis.com/token")
    }

    /// `header.claims.signature`, each base64url: RS256 over the first two.
    static func signedAssertion(for account: Account, issuedAt now: Int, provider: String) throws(AnthropicError) -> String {
        var header: [(key: String, value: JSONValue)] = [("alg", "RS256"), ("typ", "JWT")]
        if let keyID = account.keyID { header.append(("kid", .string(keyID))) }
        let claims: JSONValue = [
            "iss": .string(account.email), "scope": .string(scope), "aud": .string(account.tokenURI),
            "iat": .integer(Int64(now)), "exp": .integer(Int64(now + assertionLifetime)),
        ]
        let signingInput = Base64URL.encoded(JSONValue.object(header).serialized()) + "." + Base64URL.encoded(claims.serialized())
        do {
            let key = try _RSA.Signing.PrivateKey(pemRepresentation: account.privateKey)
            let signature = try key.signature(for: Array(signingInput.utf8), padding: .insecurePKCS1v1_5)
            return signingInput + "." + Base64URL.encoded(Array(signature.rawRepresentation))
        } catch {
            throw AnthropicError(.authentication, "provider '\(provider)': the service account's private_key is not an RSA key in PEM")
        }
    }

    private static func failure(_ provider: ProviderSettings, _ problem: String) -> AnthropicError {
        AnthropicError(.authentication, "provider '\(provider.name)' \(problem)")
    }
}
