import BuiltInAdapters
import ProxyCore
import Testing

@testable import ProxyConfig

/// An adapter's declared `options:`: a key it does not declare, or a value it does not take, is an error at
/// its line, like a built-in key's.
@Suite("Adapter options")
struct AdapterOptionsTests {
    /// An adapter with two options, for the checks.
    struct Tuned: ChatCompletionsAdapter {
        static let kind = "tuned"
        static let options: [AdapterOption]? = [.flag("fast", default: true), .choice("region", ["eu", "us"])]
        let settings: ProviderSettings
        init(settings: ProviderSettings) { self.settings = settings }
        func chatCompletionsURL(model: String) -> String { settings.url(appending: "/chat/completions") }
        func authHeaders(apiKey: String) -> [HTTPHeader] { [] }
    }

    static let registry = AdapterRegistry.builtIn.registering(Tuned.self)

    static func load(_ text: String) throws(YAMLProblems) -> ProxySettings {
        try ConfigFile.load(text: text, file: "c.yaml", environment: [:], registry: registry)
    }

    @Test("declared options load, with their defaults")
    func declared() throws {
        let settings = try Self.load(
            "providers:\n  t: { type: tuned, base_url: http://h, options: { region: eu } }\nmodels: [{ match: \"*\", provider: t }]\n")
        let provider = try #require(settings.providers.first)
        #expect(provider.option(Tuned.options![1]) == "eu")
        #expect(provider.option(Tuned.options![0]) == true)
    }

    @Test(
        "a wrong option names its file, line and column",
        arguments: [
            (
                "providers:\n  t: { type: tuned, base_url: http://h, options: { regoin: eu } }\nmodels: []\n",
                "c.yaml:2:52: unknown option 'regoin'; expected one of: fast, region (at providers.t.options.regoin)"
            ),
            (
                "providers:\n  t:\n    type: tuned\n    base_url: http://h\n    options:\n      fast: sometimes\nmodels: []\n",
                "c.yaml:6:13: expected true, false; found 'sometimes' (at providers.t.options.fast)"
            ),
            (
                "providers:\n  g: { type: gemini, base_url: http://h, options: { project: p } }\nmodels: []\n",
                "c.yaml:2:53: unknown option 'project'; type gemini takes none (at providers.g.options.project)"
            ),
        ])
    func wrongOption(text: String, message: String) {
        #expect(throws: YAMLProblems.self) { try Self.load(text) }
        do {
            _ = try Self.load(text)
        } catch {
            #expect(error.errors.map(\.description) == [message])
        }
    }

    @Test("an adapter that declares nothing takes any options")
    func undeclared() throws {
        let settings = try Self.load(
            "providers:\n  o: { type: openai, base_url: http://h, options: { anything: 1 } }\nmodels: [{ match: \"*\", provider: o }]\n")
        #expect(settings.providers.first?.options == ["anything": 1])
    }
}

@Suite("Vertex AI's options")
struct VertexOptionsTests {
    @Test("a vertex provider without its project is an error at its options")
    func missingProject() {
        let text =
            "providers:\n  v:\n    type: vertex\n    base_url: https://aiplatform.googleapis.com\n    options: { location: us-central1 }\nmodels: []\n"
        do {
            _ = try ConfigFile.load(text: text, file: "c.yaml", environment: [:])
            Issue.record("loaded without a project")
        } catch {
            #expect(
                error.errors.map(\.description) == ["c.yaml:5:14: type vertex needs options.project (a string) (at providers.v.options)"])
        }
    }
}
