import Testing

@testable import ProxyCore

@Suite("User hash, stop sequences, content filter, argument repair")
struct TranslatorAdditionsTests {
    @Test(
        "SHA-256 matches the FIPS 180-4 test vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func sha256(input: String, hex: String) {
        #expect(SHA256.hex(input) == hex)
    }

    static let request = MessagesRequest(
        model: "m", maxTokens: 100, messages: [InputMessage(role: .user, content: [.text("hi")])],
        stopSequences: ["END"], metadataUserID: #"{"device_id":"abc","session_id":"s1"}"#
    )

    @Test("metadata.user_id is sent as its SHA-256, never raw; off with send_user: false")
    func userHash() {
        let body = RequestTranslator.body(for: Self.request, options: .init(upstreamModel: "m", maxTokens: 100)).body
        #expect(body["user"] == .string(SHA256.hex(#"{"device_id":"abc","session_id":"s1"}"#)))
        var options = ChatCompletionsOptions(upstreamModel: "m", maxTokens: 100)
        options.quirks = ProviderQuirks(["send_user": false])
        #expect(RequestTranslator.body(for: Self.request, options: options).body["user"] == nil)
    }

    static func completion(finish: String, stopReason: String?) -> JSONValue {
        var choice: [(key: String, value: JSONValue)] = [
            ("index", 0), ("message", ["role": "assistant", "content": "text"]), ("finish_reason", .string(finish)),
        ]
        if let stopReason { choice.append(("stop_reason", .string(stopReason))) }
        return ["choices": [.object(choice)]]
    }

    @Test(
        "a stop at one of the client's stop sequences, when the upstream names it, is stop_sequence",
        arguments: [
            ("END", StopReason.stopSequence, "END"), ("OTHER", .endTurn, nil), (nil, .endTurn, nil),
        ] as [(String?, StopReason, String?)])
    func stopSequenceNonStreaming(reported: String?, reason: StopReason, sequence: String?) throws {
        let (message, _) = try ResponseTranslator.message(
            from: Self.completion(finish: "stop", stopReason: reported), clientModel: "c", stopSequences: ["END"]
        )
        #expect(message.stopReason == reason)
        #expect(message.stopSequence == sequence)
        #expect(message.json["stop_sequence"] == (sequence.map(JSONValue.string) ?? .null))
    }

    @Test("streaming reports the matched stop sequence in message_delta")
    func stopSequenceStreaming() throws {
        var translator = StreamTranslator(messageID: "msg", clientModel: "c", estimatedInputTokens: 5, stopSequences: ["END"])
        var events: [StreamEvent] = []
        try translator.consume(["choices": [["index": 0, "delta": ["content": "hi"]]]], into: &events)
        try translator.consume(["choices": [["index": 0, "delta": [:], "finish_reason": "stop", "stop_reason": "END"]]], into: &events)
        _ = try translator.finish(
            sawEnd: true, usage: ChatCompletionsUsage(context: CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 5)),
            into: &events)
        guard case .messageDelta(let reason, let sequence, _) = events[events.count - 2] else {
            Issue.record("no message_delta before message_stop")
            return
        }
        #expect(reason == .stopSequence)
        #expect(sequence == "END")
    }

    @Test("content_filter ends with a text block naming the upstream filter, then refusal")
    func contentFilter() throws {
        let (message, _) = try ResponseTranslator.message(
            from: Self.completion(finish: "content_filter", stopReason: nil), clientModel: "c")
        #expect(message.stopReason == .refusal)
        #expect(message.content.last == .text(StopReason.contentFilterNotice))
        var translator = StreamTranslator(messageID: "msg", clientModel: "c", estimatedInputTokens: 5)
        var events: [StreamEvent] = []
        try translator.consume(["choices": [["index": 0, "delta": [:], "finish_reason": "content_filter"]]], into: &events)
        _ = try translator.finish(
            sawEnd: true, usage: ChatCompletionsUsage(context: CallContext(upstreamModel: "m", maxTokens: 1, estimatedInputTokens: 5)),
            into: &events)
        #expect(events.contains(.contentBlockDelta(index: 0, delta: .text(StopReason.contentFilterNotice))))
        #expect(events.contains { if case .messageDelta(.refusal, _, _) = $0 { return true } else { return false } })
    }

    @Test(
        "almost-JSON tool arguments are repaired; hopeless text is kept, never {}",
        arguments: [
            (#"{"path": "a.txt", "limit": 5,}"#, ["path": "a.txt", "limit": 5] as JSONValue),
            (#"{"path": "a.txt", "content": "hel"#, ["path": "a.txt", "content": "hel"]),
            ("```json\n{\"command\": \"ls\"}\n```", ["command": "ls"]),
            (#"{"items": [1, 2, {"a": "b\"c"#, ["items": [1, 2, ["a": "b\"c"]]]),
            (#"{"key":"#, ["key": .null]),
            ("run ls please", ["_raw_arguments": "run ls please"]),
        ] as [(String, JSONValue)])
    func argumentRepair(text: String, expected: JSONValue) {
        #expect(ToolArguments.object(from: .string(text)) == expected)
    }
}

@Suite("prompt_cache_key from Claude Code's session")
struct PromptCacheKeyTests {
    @Test(
        "the session id is read from either metadata.user_id format",
        arguments: [
            (#"{"device_id":"d","account_uuid":"","session_id":"30e0effc-958e"}"#, "30e0effc-958e"),
            ("user_abc123_account_4f1e_session_9a8b-77", "9a8b-77"),
            ("plain-user", nil),
        ] as [(String, String?)])
    func sessionID(userID: String, session: String?) {
        #expect(MessagesRequest.sessionID(inUserID: userID) == session)
    }

    @Test("OpenAI-type providers get a hashed prompt_cache_key; others do not")
    func promptCacheKey() throws {
        let json = try JSONParser.parse(
            #"{"model":"m","messages":[{"role":"user","content":"x"}],"metadata":{"user_id":"u_account_a_session_s1"}}"#)
        let request = try MessagesRequest(json: json)
        let openAI = OpenAIAdapter(settings: ProviderSettings(name: "o", type: "openai", baseURL: "http://h/v1", apiKey: "k"))
        let ollama = OllamaAdapter(settings: ProviderSettings(name: "l", type: "ollama", baseURL: "http://h"))
        #expect(
            try openAI.upstreamBody(for: request, model: "gpt-4o", maxTokens: 10)["prompt_cache_key"]
                == .string(String(SHA256.hex("s1").prefix(32))))
        #expect(try ollama.upstreamBody(for: request, model: "q", maxTokens: 10)["prompt_cache_key"] == nil)
    }
}
