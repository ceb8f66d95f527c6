import Testing

@testable import ProxyConfig

@Suite struct YAMLEnvironmentTests {
    private let environment = ["HOST": "example.com", "PORT": "8443", "EMPTY": "", "KEY": "sk-1"]

    @Test func variablesDefaultsAndDollarEscapesAreSubstituted() throws {
        let root = try parseYAML(
            """
            url: https://${HOST}:${PORT}/v1
            quoted: "${KEY}"
            fallback: ${UNSET:-http://localhost:11434}
            empty_uses_default: ${EMPTY:-dflt}
            set_ignores_default: ${HOST:-other}
            dollars: price $$5 and $${HOST} and $HOME
            block: |
              key=${KEY}
            """, environment: environment)
        #expect(root["url"]?.text == "https://example.com:8443/v1")
        #expect(root["quoted"]?.text == "sk-1")
        #expect(root["fallback"]?.text == "http://localhost:11434")
        #expect(root["empty_uses_default"]?.text == "dflt")
        #expect(root["set_ignores_default"]?.text == "example.com")
        #expect(root["dollars"]?.text == "price $5 and ${HOST} and $HOME")
        #expect(root["block"]?.text == "key=sk-1")
        #expect(root["url"]?.scalar?.source == "https://${HOST}:${PORT}/v1")
    }

    @Test func missingVariablesAreRecordedAndBecomeEmpty() throws {
        let root = try parseYAML("api_key: ${OPENAI_API_KEY}\nboth: ${A}-${EMPTY}-${A}\n", environment: environment)
        let key = try #require(root["api_key"]?.scalar)
        #expect(key.text == "")
        #expect(key.missingVariables == ["OPENAI_API_KEY"])
        #expect(key.isNull == false)
        #expect(root["both"]?.scalar?.missingVariables == ["A", "EMPTY"])
        #expect(root["both"]?.text == "--")
    }

    @Test func substitutedTextIsTypedAfterSubstitution() throws {
        struct Server: Decodable {
            var port: Int
            var tls: Bool
        }
        let server = try decodeYAML(Server.self, "port: ${PORT}\ntls: ${TLS:-true}\n", environment: environment)
        #expect(server.port == 8443)
        #expect(server.tls == true)
    }

    @Test func keysAreNotSubstituted() throws {
        let root = try parseYAML("${HOST}: value\n", environment: environment)
        guard case .mapping(let entries) = root.value else {
            Issue.record("not a mapping")
            return
        }
        #expect(entries.map(\.key) == ["${HOST}"])
    }

    @Test func substitutedValuesNeverChangeStructure() throws {
        let root = try parseYAML("a: ${V}\n", environment: ["V": "x\nb: [1, 2]"])
        #expect(root["a"]?.text == "x\nb: [1, 2]")
        #expect(root["b"] == nil)
    }

    @Test func unterminatedReferenceIsAnErrorAtTheScalar() {
        let error = yamlError { try parseYAML("server:\n  host: \"${HOST\"\n", environment: environment) }
        #expect(
            error?.description
                == "config.yaml:2:9: unterminated '${' in '${HOST': expected '}' after the variable name (at server.host)")
    }

    @Test func unquotedReferenceInAFlowMappingGetsAHint() throws {
        let error = yamlError { try parseYAML("openai: { api_key: ${KEY}, type: openai }\n", environment: environment) }
        #expect(error?.mark == YAMLMark(line: 1, column: 21))
        #expect(error?.message.hasSuffix("; inside '{ }' or '[ ]' quote values that use '${…}'") == true)
        #expect(try parseYAML("openai: { api_key: \"${KEY}\" }\n", environment: environment)["openai"]?["api_key"]?.text == "sk-1")
    }

    @Test func invalidVariableNameIsAnError() {
        let error = yamlError { try parseYAML("a: ${not valid}\n") }
        #expect(error?.mark == YAMLMark(line: 1, column: 4))
        #expect(error?.message.hasPrefix("invalid variable reference '${not valid}'") == true)
    }

    @Test func aliasedScalarsAreSubstitutedAsValuesButNotAsKeys() throws {
        let root = try parseYAML("a: &k ${HOST}\nb: *k\nm: { *k : 1 }\n", environment: environment)
        #expect(root["b"]?.text == "example.com")
        guard case .mapping(let entries) = root["m"]?.value else {
            Issue.record("not a mapping")
            return
        }
        #expect(entries.map(\.key) == ["${HOST}"])
    }
}
