import ProxyConfig
import ProxyCore

/// The parsers that take bytes from outside — upstream streams, client requests, config files — driven
/// with arbitrary input. Any crash, trap or hang on any input is a bug; errors are the expected answer.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// Upstream SSE bytes through the SSE decoder and the stream state machine, split at a byte boundary.
    case sse
    /// A client body through the request decoder and the translator (for each built-in adapter), and an
    /// upstream body through the response translator and the error mapping.
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

    private static func sse(_ bytes: [UInt8]) {
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        var decoder = SSEDecoder()
        var translator = StreamTranslator(messageID: "msg_fuzz", clientModel: "claude-fuzz", estimatedInputTokens: 10)
        var events: [StreamEvent] = []
        var failed = false
        let consume = { (payload: [UInt8]) in
            guard !failed, let chunk = try? JSONParser.parse(payload) else { return }
            do { try translator.consume(chunk, into: &events) } catch { failed = true }
        }
        translator.start(into: &events)
        decoder.feed(bytes[..<split], onEvent: consume)
        decoder.feed(bytes[split...], onEvent: consume)
        decoder.finish(onEvent: consume)
        if !failed { _ = try? translator.finish(sawEnd: bytes.count % 2 == 0, usage: { $0 ?? TokenUsage(inputTokens: $1) }, into: &events) }
        var output: [UInt8] = []
        for event in events { event.writeSSE(into: &output) }
    }

    private static func request(_ bytes: [UInt8]) {
        _ = UpstreamErrorMapping.message(fromBody: bytes)
        guard let json = try? JSONParser.parse(bytes) else { return }
        _ = json.serialized()
        _ = try? ResponseTranslator.message(from: json, clientModel: "claude-fuzz")
        guard let request = try? MessagesRequest(json: json) else { return }
        _ = TokenEstimator.estimateInput(of: request)
        _ = RequestTraits(request: request)
        for (kind, adapterType) in ProviderRegistry.builtIn {
            let adapter = adapterType.init(settings: ProviderSettings(name: kind, type: kind, baseURL: "http://h/v1", apiKey: "key"))
            var options = adapter.options(model: request.model, maxTokens: 1000)
            options.schemaDialect = .gemini
            options.reasoningPassback = "reasoning_content"
            _ = RequestTranslator.body(for: request, options: options).body.serialized()
        }
    }

    private static func yaml(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? ConfigFile.load(text: text, file: "fuzz.yaml", environment: ["KEY": "value"])
    }
}
