import Testing

@testable import ProxyCore

@Suite("Upstream errors → Anthropic errors (docs/translation.md §6)")
struct UpstreamErrorMappingTests {
    private func map(_ status: Int, _ body: String = #"{"error":{"message":"something"}}"#, retryAfter: String? = nil) -> AnthropicError {
        UpstreamErrorMapping.error(
            status: status, headers: retryAfter.map { [HTTPHeader("retry-after", $0)] } ?? [], body: Array(body.utf8), provider: "openai")
    }

    @Test("an Anthropic-shaped body names the type; Anthropic's own overflow sentence is kept with its numbers")
    func anthropicShaped() {
        let overloaded = map(500, #"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#)
        #expect(overloaded.type == .overloaded && overloaded.status == 529, "the body's type, not the 500's")
        let billing = map(400, #"{"type":"error","error":{"type":"billing_error","message":"credit too low"}}"#)
        #expect(billing.type == .billing && billing.status == 402)
        let notFound = map(404, #"{"error":{"type":"invalid_request_error","message":"no model"}}"#)
        #expect(notFound.type == .notFound, "OpenAI's error.type does not override the status")
        let long = map(
            400,
            #"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}"#)
        #expect(long.message.hasPrefix("prompt is too long: 210000 tokens > 200000 maximum ("))
    }

    /// The header as the client gets it.
    private func header(_ error: AnthropicError, _ name: String) -> String? {
        error.responseHeaders.first { $0.name.lowercased() == name }?.value
    }

    @Test(
        "each upstream status maps to an Anthropic type and status",
        arguments: [
            (400, AnthropicErrorType.invalidRequest, 400),
            (422, .invalidRequest, 400),
            (401, .authentication, 401),
            (402, .billing, 402),
            (403, .permission, 403),
            (404, .notFound, 404),
            (408, .timeout, 504),
            (413, .requestTooLarge, 413),
            (429, .rateLimit, 429),
            (500, .api, 500),
            (503, .overloaded, 529),
            (529, .overloaded, 529),
        ]
    )
    func statusTable(status: Int, type: AnthropicErrorType, httpStatus: Int) {
        let error = map(status)
        #expect(error.type == type)
        #expect(error.status == httpStatus)
    }

    @Test(
        "retry-after on a 429 is forwarded as integer seconds capped at 60",
        arguments: [("7", "7"), ("120", "60"), ("60", "60"), (" 3 ", "3"), ("1.5", "2"), ("0", "0")]
    )
    func retryAfter(value: String, expected: String) {
        #expect(header(map(429, retryAfter: value), "retry-after") == expected)
    }

    @Test("an unparsable or missing retry-after is not forwarded", arguments: ["Wed, 21 Oct 2015 07:28:00 GMT", "soon", nil] as [String?])
    func retryAfterUnparsable(value: String?) {
        #expect(header(map(429, retryAfter: value), "retry-after") == nil)
    }

    @Test("a 401 carries x-should-retry: false")
    func shouldRetryOn401() {
        #expect(header(map(401), "x-should-retry") == "false")
    }

    @Test(
        "the wait in milliseconds (OpenAI's retry-after-ms, Azure's x-ms-retry-after-ms) becomes whole seconds, on 429s and overloads",
        arguments: [
            (429, "retry-after-ms", "1500", "2"), (429, "x-ms-retry-after-ms", "250", "1"), (529, "retry-after-ms", "90000", "60"),
            (503, "retry-after", "3", "3"), (500, "retry-after", "3", nil), (400, "retry-after-ms", "1000", nil),
        ] as [(Int, String, String, String?)]
    )
    func retryAfterMilliseconds(status: Int, name: String, value: String, expected: String?) {
        let error = UpstreamErrorMapping.error(
            status: status, headers: [HTTPHeader(name, value)],
            body: Array(#"{"error":{"message":"slow down"}}"#.utf8), provider: "openai")
        #expect(header(error, "retry-after") == expected)
    }

    @Test("milliseconds win over retry-after when both come")
    func millisecondsFirst() {
        let error = UpstreamErrorMapping.error(
            status: 429, headers: [HTTPHeader("retry-after", "30"), HTTPHeader("retry-after-ms", "4200")], body: [], provider: "openai")
        #expect(header(error, "retry-after") == "5")
    }

    @Test(
        "the upstream's x-should-retry is passed on; errors a retry cannot fix get false",
        arguments: [
            (500, "true", "true"), (429, "false", "false"), (529, "FALSE", "false"), (500, "maybe", nil), (500, nil, nil),
            (429, nil, nil), (403, nil, "false"), (402, nil, "false"), (401, "true", "true"), (400, nil, nil),
        ] as [(Int, String?, String?)]
    )
    func shouldRetryPassedOn(status: Int, upstream: String?, expected: String?) {
        let error = UpstreamErrorMapping.error(
            status: status, headers: upstream.map { [HTTPHeader("x-should-retry", $0)] } ?? [],
            body: Array(#"{"error":{"message":"no"}}"#.utf8), provider: "openai")
        #expect(header(error, "x-should-retry") == expected)
    }

    @Test("an overflow is final (Claude Code compacts); the max_tokens variant is not (Claude Code retries with less)")
    func overflowIsFinal() {
        let overflow = map(
            400,
            #"{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens."}}"#
        )
        #expect(overflow.message.hasPrefix("prompt is too long: 130512 tokens > 128000 maximum"))
        #expect(header(overflow, "x-should-retry") == "false")
        let output = map(
            400,
            #"{"error":{"message":"maximum context length is 131072 tokens. However, you requested 131329 tokens (123137 in the messages, 8192 in the completion)"}}"#
        )
        #expect(output.message.hasPrefix("input length and `max_tokens` exceed context limit"))
        #expect(header(output, "x-should-retry") == nil)
    }

    @Test(
        "a 429 for exhausted quota is a billing error",
        arguments: [
            #"{"error":{"message":"You exceeded your current quota, please check your plan.","type":"insufficient_quota","code":"insufficient_quota"}}"#,
            #"{"error":{"message":"insufficient_quota"}}"#,
        ])
    func insufficientQuota(body: String) {
        let error = map(429, body)
        #expect(error.type == .billing)
        #expect(error.status == 402)
    }

    @Test("the upstream message and provider are kept in the error text")
    func upstreamMessageKept() {
        let error = map(404, #"{"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error"}}"#)
        #expect(error.message.contains("The model `gpt-9` does not exist"))
        #expect(error.message.contains("openai"))
    }

    @Test(
        "error bodies of every known shape yield their message",
        arguments: [
            (#"{"error":{"message":"openai style","type":"x"}}"#, "openai style"),
            (#"[{"error":{"code":400,"message":"gemini array","status":"INVALID_ARGUMENT"}}]"#, "gemini array"),
            (#"{"object":"error","message":"mistral style","type":"invalid_request_error"}"#, "mistral style"),
            (#"{"error":"plain error string"}"#, "plain error string"),
            (#"{"detail":"fastapi style"}"#, "fastapi style"),
            ("<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>"),
            ("", ""),
        ]
    )
    func bodyMessages(body: String, expected: String) {
        #expect(UpstreamErrorMapping.message(fromBody: Array(body.utf8)) == expected)
    }

    @Test("a plain-text body is cut to 500 bytes")
    func longPlainText() {
        let body = String(repeating: "x", count: 2000)
        #expect(UpstreamErrorMapping.message(fromBody: Array(body.utf8)).count == 500)
    }

    // MARK: - Context overflow (§10 item 32)

    @Test(
        "context-overflow messages are rewritten to Claude Code's wording",
        arguments: [
            (
                "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
                "prompt is too long: 130512 tokens > 128000 maximum"
            ),
            (
                "This model's maximum context length is 128,000 tokens. However, your messages resulted in 130,512 tokens.",
                "prompt is too long: 130512 tokens > 128000 maximum"
            ),
            (
                "This model's maximum context length is 131072 tokens. However, you requested 131329 tokens (123137 in the messages, 8192 in the completion). Please reduce the length of the messages or completion.",
                "input length and `max_tokens` exceed context limit: 123137 + 8192 > 131072, decrease input length or `max_tokens` and try again"
            ),
            // An OpenAI-compatible gateway appending its request id (langgenius/dify#17778).
            (
                "This model's maximum context length is 128000 tokens. However, your messages resulted in 140004 tokens. Please reduce the length of the messages. (request id: 20250410081234882004792D8t0P2P0)",
                "prompt is too long: 140004 tokens > 128000 maximum"
            ),
            // Current vLLM wording (AIDotNet/OpenCowork#82).
            (
                "This model's maximum context length is 262144 tokens. However, you requested 128000 output tokens and your prompt contains at least 134145 input tokens, for a total of at least 262145 tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=134145)",
                "input length and `max_tokens` exceed context limit: 134145 + 128000 > 262144, decrease input length or `max_tokens` and try again"
            ),
            // Mistral (docs/translation.md §6.3).
            (
                "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length",
                "prompt is too long: 40000 tokens > 32768 maximum"
            ),
            // Gemini (docs/translation.md §6.3).
            (
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
                "prompt is too long: 1200000 tokens > 1048576 maximum"
            ),
            // llama.cpp's llama-server, on a context overflow.
            (
                "request (9032 tokens) exceeds the available context size (8192 tokens), try increasing it",
                "prompt is too long: 9032 tokens > 8192 maximum"
            ),
        ]
    )
    func contextOverflowRewrite(upstream: String, expected: String) {
        #expect(ContextOverflow.anthropicMessage(for: upstream) == expected)
    }

    @Test(
        "other overflow wordings still say prompt is too long",
        arguments: [
            "the request exceeds the available context size, try increasing it",
            "Input tokens exceed the configured limit: the input exceeds the context window of this model",
            "The number of tokens to keep from the initial prompt is greater than the context length",
        ]
    )
    func contextOverflowOtherWordings(upstream: String) {
        #expect(ContextOverflow.anthropicMessage(for: upstream)?.hasPrefix("prompt is too long") == true)
    }

    @Test("messages that are not about the context are not rewritten")
    func notOverflow() {
        #expect(ContextOverflow.anthropicMessage(for: "Invalid value for 'tool_choice'") == nil)
    }

    @Test("a 400 context overflow becomes an invalid_request_error starting with the Anthropic sentence")
    func overflowThroughMapping() {
        let error = map(
            400,
            #"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."}}"#)
        #expect(error.type == .invalidRequest)
        #expect(error.message.hasPrefix("prompt is too long: 9000 tokens > 8192 maximum"))
        #expect(error.message.contains("maximum context length is 8192"))
    }

    @Test("the error renders as Anthropic's error JSON")
    func errorJSON() {
        let error = AnthropicError(.rateLimit, "slow down")
        #expect(
            error.json(requestID: "req_1") == [
                "type": "error", "error": ["type": "rate_limit_error", "message": "slow down"], "request_id": "req_1",
            ])
    }
}
