import GeminiAdapter
import ProxyCore
import Testing

@Suite("Vertex AI")
struct VertexAdapterTests {
    static func adapter(baseURL: String = "https://aiplatform.googleapis.com", options: JSONValue) -> VertexAdapter {
        VertexAdapter(settings: ProviderSettings(name: "vertex", type: "vertex", baseURL: baseURL, apiKey: "ya29.token", options: options))
    }

    static let request = MessagesRequest(model: "claude-sonnet-4-5", messages: [InputMessage(role: .user, content: [.text("hi")])])
    static let context = CallContext(provider: "vertex", apiKey: "ya29.token", upstreamModel: "gemini-3-pro-preview", maxTokens: 1024)

    @Test("the project's model under its location, the global host made regional, a Bearer token")
    func urls() throws {
        let global = try Self.adapter(options: ["project": "acme"]).prepareCall(for: Self.request, context: Self.context).request
        #expect(
            global.url
                == "https://aiplatform.googleapis.com/v1/projects/acme/locations/global/publishers/google/models/gemini-3-pro-preview:generateContent"
        )
        #expect(global.headers.contains(HTTPHeader("authorization", "Bearer ya29.token")))
        #expect(!global.headers.contains { $0.name == "x-goog-api-key" })
        var streamed = Self.request
        streamed.stream = true
        let regional = try Self.adapter(options: ["project": "acme", "location": "europe-west4"])
            .prepareCall(for: streamed, context: Self.context).request
        #expect(
            regional.url
                == "https://europe-west4-aiplatform.googleapis.com/v1/projects/acme/locations/europe-west4/publishers/google/models/gemini-3-pro-preview:streamGenerateContent?alt=sse"
        )
        let proxied = Self.adapter(baseURL: "http://127.0.0.1:9/", options: ["project": "acme", "location": "us-central1"])
        #expect(
            proxied.methodURL(model: "m", method: "countTokens")
                == "http://127.0.0.1:9/v1/projects/acme/locations/us-central1/publishers/google/models/m:countTokens")
    }

    @Test("countTokens takes the contents, system instruction and tools as they are")
    func countTokens() throws {
        var request = Self.request
        request.system = ["Be brief."]
        let count = try #require(try Self.adapter(options: ["project": "acme"]).prepareTokenCount(for: request, context: Self.context))
        let body = try JSONParser.parse(count.request.body)
        #expect(body.objectValue?.map(\.key) == ["systemInstruction", "contents"])
        #expect(count.request.url.hasSuffix("/models/gemini-3-pro-preview:countTokens"))
    }

    @Test("signatures belong to the project: another project's calls get the skip value")
    func projects() throws {
        let answer = try Self.adapter(options: ["project": "acme"]).prepareCall(for: Self.request, context: Self.context).answer
        let body =
            #"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"Bash","args":{}},"thoughtSignature":"c2ln"}]},"finishReason":"STOP"}]}"#
        let message = try answer.message(from: Array(body.utf8)).message
        guard case .toolUse(let id, _, _) = message.content.first else {
            Issue.record("no tool_use: \(message.content)")
            return
        }
        var next = Self.request
        next.messages += [
            InputMessage(role: .assistant, content: [.toolUse(id: id, name: "Bash", input: [:])]),
            InputMessage(role: .user, content: [.toolResult(toolUseID: id, content: [.text("ok")], isError: false)]),
        ]
        func signature(project: String) throws -> JSONValue? {
            let sent = try Self.adapter(options: ["project": .string(project)]).prepareCall(for: next, context: Self.context).request
            return try JSONParser.parse(sent.body)["contents"]?.arrayValue?[1]["parts"]?.arrayValue?.first?["thoughtSignature"]
        }
        #expect(try signature(project: "acme") == "c2ln")
        #expect(try signature(project: "other") == "skip_thought_signature_validator")
    }
}
