import Foundation
import ProxyCore
import Testing

@testable import ProxyConfig

@Suite("config.yaml → ProxySettings")
struct ConfigFileTests {
    @Test("the example config shipped with the repo loads with no variables set")
    func exampleConfigLoads() throws {
        let path = #filePath.replacing("Tests/ProxyConfigTests/ConfigFileTests.swift", with: "config.yaml.example")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let settings = try ConfigFile.load(text: text, file: "config.yaml.example", environment: [:])
        #expect(settings.targets(for: RequestTraits(model: "claude-sonnet-4-5")).first?.provider.type == "ollama")
        #expect(settings.server.apiKeys.isEmpty)
        #expect(settings.server.host == "127.0.0.1")
    }

    @Test(
        "mistakes name file, line, column, key path and what was expected",
        arguments: [
            ("server:\n  port: abc\nproviders: {}\nmodels: []\n", "c.yaml:2:9: expected an integer, found 'abc' (at server.port)"),
            (
                "providers:\n  x: { type: opanai, base_url: \"http://a\" }\nmodels: []\n",
                "c.yaml:2:14: unknown provider type 'opanai'; expected one of: anthropic, azure, azure-responses, ollama, openai, openai-responses (at providers.x.type)"
            ),
            (
                "providers:\n  x:\n    type: openai\n    base_url: \"http://a\"\n    api_kye: k\nmodels: []\n",
                "c.yaml:5:5: unknown key 'api_kye'; did you mean 'api_key'? (at providers.x.api_kye)"
            ),
            (
                "providers:\n  x:\n    type: openai\n    base_url: \"http://a\"\nmodels:\n  - match: \"*\"\n    provider: y\n",
                "c.yaml:7:15: route names provider 'y', which is not defined under providers (defined: x) (at models[0].provider)"
            ),
            (
                "providers:\n  x:\n    type: openai\n    base_url: ftp://a\nmodels: []\n",
                "c.yaml:4:15: base_url must start with http:// or https://, not 'ftp://a' (at providers.x.base_url)"
            ),
            (
                "providers:\n  x:\n    type: openai\nmodels: []\n",
                "c.yaml:2:3: missing required key 'base_url' (or a 'profile' that sets it) (at providers.x)"
            ),
            (
                "server:\n  log_level: loud\nproviders: {}\nmodels: []\n",
                "c.yaml:2:14: log_level must be one of trace, debug, info, notice, warning, error, critical, not 'loud' (at server.log_level)"
            ),
            (
                "server:\n  ping_interval: 0\nproviders: {}\nmodels: []\n",
                "c.yaml: ping_interval must be at least 0.01 seconds, not 0.0 (at server.ping_interval)"
            ),
        ])
    func errors(text: String, expected: String) {
        #expect(throws: YAMLError.self) { try ConfigFile.load(text: text, file: "c.yaml", environment: [:]) }
        do {
            _ = try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
        } catch {
            #expect(error.description == expected)
        }
    }
}
