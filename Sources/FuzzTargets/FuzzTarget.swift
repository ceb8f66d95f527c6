import BuiltInAdapters
import ProxyConfig
import ProxyCore

/// The parsers that take bytes from outside — upstream streams, client requests, config files — driven
/// with arbitrary input. Any crash, trap or hang on any input is a bug; errors are the expected answer.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// Upstream stream bytes, split at a byte boundary, through each built-in adapter's answer stream.
    case sse
    /// A client body through the request decoder and each built-in adapter's call, and an upstream body
    /// through each adapter's answer and the error mapping.
    case request
    /// A config.yaml through libyaml, the node tree and the typed config.
    case yaml

    package func run(_ bytes: [UInt8]) {
        switch self {
        case .sse: Self.sse(bytes)
        case .request: Self.request(bytes)
        case .yaml: Self.yaml(bytes)
        }
    }

    /// The chat-completions call of each built-in adapter, with the quirks that change translation most.
    private static func calls(for request: MessagesRequest) -> [PreparedCall] {
        AdapterRegistry.builtIn.kinds.sorted().compactMap { kind in
            let quirks = ProviderQuirks(["reasoning_passback": "reasoning_content", "schema_dialect": "gemini"])
            let settings = ProviderSettings(name: kind, type: kind, baseURL: "http://h/v1", apiKey: "key", quirks: quirks)
            let context = CallContext(upstreamModel: request.model, maxTokens: 1000, estimatedInputTokens: 10)
            return try? AdapterRegistry.builtIn.adapter(for: settings)?.prepareCall(for: request, context: context)
        }
    }

    private static let streamingRequest: MessagesRequest = {
        var request = MessagesRequest(model: "claude-fuzz", messages: [InputMessage(role: .user, content: [.text("hi")])], stream: true)
        request.body = Array(#"{"model":"claude-fuzz","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8)
        return request
    }()

    private static func sse(_ bytes: [UInt8]) {
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        for call in calls(for: streamingRequest) {
            var stream = call.answer.makeStream(messageID: "msg_fuzz")
            var events: [StreamEvent] = []
            stream.start(into: &events)
            do {
                try stream.feed(Array(bytes[..<split]), into: &events)
                try stream.feed(Array(bytes[split...]), into: &events)
                _ = try stream.finish(into: &events)
            } catch {}
            var output: [UInt8] = []
            for event in events { event.writeSSE(into: &output) }
        }
    }

    private static func request(_ bytes: [UInt8]) {
        _ = UpstreamErrorMapping.message(fromBody: bytes)
        for call in calls(for: streamingRequest) { _ = try? call.answer.message(from: bytes) }
        guard let json = try? JSONParser.parse(bytes) else { return }
        _ = json.serialized()
        guard var request = try? MessagesRequest(json: json) else { return }
        request.body = bytes  // what the Anthropic-native adapter edits and passes on
        _ = TokenEstimator.estimateInput(of: request)
        _ = RequestTraits(request: request)
        _ = calls(for: request)
    }

    private static func yaml(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? ConfigFile.load(text: text, file: "fuzz.yaml", environment: ["KEY": "value"])
    }
}
