import CryptoExtras
import Foundation
import HTTPTypes
import ProxyConfig
import ProxyCore
import Synchronization
import Testing

/// A provider whose key is a Google service account's access token (`service_account_file`): the proxy
/// signs a JWT with the account's key, exchanges it at the key file's `token_uri` (here a local mock), and
/// sends the token it got until shortly before it expires.
@Suite("Service-account tokens", .timeLimit(.minutes(1)))
struct ServiceAccountTests {
    static let request: JSONValue = ["model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [["role": "user", "content": "hi"]]]

    /// A key file for a fresh RSA key whose token endpoint is `tokenURI`; the key, to check signatures.
    static func keyFile(tokenURI: String) throws -> (path: String, key: _RSA.Signing.PrivateKey) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let file: JSONValue = [
            "type": "service_account", "project_id": "acme", "private_key_id": "kid-1",
            "private_key": .string(key.pemRepresentation), "client_email": "proxy@acme.iam.gserviceaccount.com",
            "token_uri": .string(tokenURI),
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString).json").path
        try Data(file.serialized()).write(to: URL(fileURLWithPath: path))
        return (path, key)
    }

    static func config(model url: String, keyFile: String) throws -> ProxySettings {
        let text = """
            providers:
              vertexish: { type: openai, base_url: "\(url)/v1", service_account_file: "\(keyFile)" }
            models: [{ match: "*", provider: vertexish, model: gemini-3-pro-preview }]
            """
        return try ConfigFile.load(text: text, file: "test.yaml", environment: [:])
    }

    /// The assertion a token request carried, its parts decoded.
    static func assertion(in received: MockUpstream.Received) -> (header: JSONValue, claims: JSONValue, signed: String, signature: [UInt8])?
    {
        let form = String(decoding: received.rawBody, as: UTF8.self)
        guard form.hasPrefix("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=") else { return nil }
        let jwt = String(form.split(separator: "=").last ?? "")
        let parts = jwt.split(separator: ".")
        guard parts.count == 3, let header = Base64URL.decoded(parts[0]), let claims = Base64URL.decoded(parts[1]),
            let signature = Base64URL.decoded(parts[2])
        else { return nil }
        return (try! JSONParser.parse(header), try! JSONParser.parse(claims), "\(parts[0]).\(parts[1])", signature)
    }

    @Test("a signed JWT is exchanged for a token, which the upstream gets and which is kept while it is valid")
    func exchange() async throws {
        try await ProxyHarness.run(
            upstreamCount: 2,
            settings: { urls in try Self.config(model: urls[0], keyFile: try Self.keyFile(tokenURI: urls[1] + "/token").path) }
        ) { harness in
            harness.upstreams[1].script(.json(body: ["access_token": "ya29.from-the-mock", "expires_in": 3599, "token_type": "Bearer"]))
            for _ in 0..<2 {
                let status = try await harness.send("/v1/messages", json: Self.request).status
                #expect(status == 200)
            }
            #expect(
                harness.upstreams[0].received.map { $0.headers[.authorization] } == [
                    "Bearer ya29.from-the-mock", "Bearer ya29.from-the-mock",
                ])
            let exchanges = harness.upstreams[1].received
            #expect(exchanges.count == 1)
            #expect(exchanges.first?.path == "/token")
            #expect(exchanges.first?.headers[.contentType] == "application/x-www-form-urlencoded")
            let assertion = try #require(exchanges.first.flatMap(Self.assertion))
            #expect(assertion.header == ["alg": "RS256", "typ": "JWT", "kid": "kid-1"])
            #expect(assertion.claims["iss"] == "proxy@acme.iam.gserviceaccount.com")
            #expect(assertion.claims["aud"]?.stringValue?.hasSuffix("/token") == true)
            #expect(assertion.claims["scope"] == "https://www.googleapis.com/auth/cloud-platform")
            let issued = try #require(assertion.claims["iat"]?.intValue)
            #expect(abs(issued - Int(Date().timeIntervalSince1970)) < 60)
            #expect(assertion.claims["exp"]?.intValue == issued + 3600)
        }
    }

    @Test("the assertion's signature verifies with the account's public key")
    func signature() async throws {
        let keyFile = Mutex<(path: String, key: _RSA.Signing.PrivateKey)?>(nil)
        try await ProxyHarness.run(
            upstreamCount: 2,
            settings: { urls in
                let made = try Self.keyFile(tokenURI: urls[1] + "/token")
                keyFile.withLock { $0 = made }
                return try Self.config(model: urls[0], keyFile: made.path)
            }
        ) { harness in
            harness.upstreams[1].script(.json(body: ["access_token": "ya29.t", "expires_in": 3599]))
            let status = try await harness.send("/v1/messages", json: Self.request).status
            #expect(status == 200)
            let assertion = try #require(harness.upstreams[1].received.first.flatMap(Self.assertion))
            let key = try #require(keyFile.withLock { $0?.key })
            let signature = _RSA.Signing.RSASignature(rawRepresentation: assertion.signature)
            #expect(key.publicKey.isValidSignature(signature, for: Array(assertion.signed.utf8), padding: .insecurePKCS1v1_5))
            #expect(!key.publicKey.isValidSignature(signature, for: Array((assertion.signed + "x").utf8), padding: .insecurePKCS1v1_5))
        }
    }

    @Test("a refused exchange is the client's 401 with Google's reason; an unreadable key file names the file")
    func failures() async throws {
        try await ProxyHarness.run(
            upstreamCount: 2,
            settings: { urls in try Self.config(model: urls[0], keyFile: try Self.keyFile(tokenURI: urls[1] + "/token").path) }
        ) { harness in
            harness.upstreams[1].script(
                .json(status: 400, body: ["error": "invalid_grant", "error_description": "Invalid JWT Signature."]))
            let response = try await harness.sendJSON("/v1/messages", json: Self.request)
            #expect(response.status == 401)
            #expect(response.json["error"]?["message"]?.stringValue?.contains("Invalid JWT Signature.") == true)
            #expect(harness.upstreams[0].received.isEmpty)
        }
        try await ProxyHarness.run(
            upstreamCount: 1, settings: { urls in try Self.config(model: urls[0], keyFile: "/nonexistent/sa.json") }
        ) { harness in
            let response = try await harness.sendJSON("/v1/messages", json: Self.request)
            #expect(response.status == 401)
            #expect(response.json["error"]?["message"]?.stringValue?.contains("/nonexistent/sa.json") == true)
        }
    }
}
