/// Upstream HTTP errors → Anthropic errors (docs/translation.md §6.2, §6.3, §6.6), for every adapter
/// whose service answers errors the usual ways (Anthropic's `{"type": "error", "error": {"type", "message"}}`,
/// OpenAI's `{"error": {"message"}}`, Mistral's, Gemini's array, plain text).
public enum UpstreamErrorMapping {
    /// Claude Code waits the full `retry-after` on every attempt: pass it on as integer seconds, capped.
    package static let maximumRetryAfterSeconds = 60

    /// The client's error for an upstream status and body: the Anthropic type the body names when it is
    /// Anthropic-shaped, else the one matching the status; the upstream's message after the provider's name
    /// (context overflows reworded to the sentences Claude Code acts on); on rate limits and overloads the
    /// upstream's wait (its headers, or a Google error's `RetryInfo`) as a capped `retry-after` in whole
    /// seconds; the upstream's `x-should-retry`; a key Google does not know (`API_KEY_INVALID`) as an
    /// authentication error.
    /// - Parameter headers: the upstream's response headers, names lowercased.
    public static func error(status: Int, headers: [HTTPHeader], body: [UInt8], provider: String) -> AnthropicError {
        let json = try? JSONParser.parse(body)
        let upstreamMessage = message(of: json, body: body)
        var type = anthropicType(of: json) ?? AnthropicErrorType(upstreamStatus: status)
        var text = "upstream \(provider) returned \(status)"
        if !upstreamMessage.isEmpty { text += ": \(upstreamMessage)" }
        if type == .invalidRequest, let rewritten = ContextOverflow.anthropicMessage(for: upstreamMessage) {
            text = "\(rewritten) (\(text))"
        }
        // Google's errors (`{"error": {"code", "message", "status", "details"}}`, alone or in an array).
        let google = (json?.arrayValue?.first ?? json)?["error"]
        let googleDetails = google?["details"]?.arrayValue ?? []
        // OpenAI's words for an account out of credit; Google uses the same sentence for a per-minute limit,
        // with its RESOURCE_EXHAUSTED status: that one passes.
        if status == 429, google?["status"] != "RESOURCE_EXHAUSTED",
            upstreamMessage.contains("insufficient_quota") || upstreamMessage.contains("exceeded your current quota")
        {
            type = .billing
        }
        // Google answers a key it does not know with a 400 whose reason says so.
        if googleDetails.contains(where: { $0["reason"] == "API_KEY_INVALID" }) { type = .authentication }
        var answerHeaders: [HTTPHeader] = []
        if type == .rateLimit || type == .overloaded, let seconds = retryAfterSeconds(in: headers) ?? retryDelaySeconds(in: googleDetails) {
            answerHeaders.append(HTTPHeader("retry-after", String(min(seconds, maximumRetryAfterSeconds))))
        }
        if let shouldRetry = headers.first(where: { $0.name == "x-should-retry" })?.value.trimmingWhitespace().lowercased(),
            shouldRetry == "true" || shouldRetry == "false"
        {
            answerHeaders.append(HTTPHeader("x-should-retry", shouldRetry))
        }
        // A gateway's 502 stays a 502: the provider, not the proxy, failed (docs/translation.md §6.2).
        return AnthropicError(type, text, status: status == 502 ? 502 : nil, headers: answerHeaders)
    }

    /// A complete answer's body as a JSON object; anything else is the client's 502 naming the provider.
    public static func answerObject(_ body: [UInt8], provider: String) throws(AnthropicError) -> JSONValue {
        guard let json = try? JSONParser.parse(body), json.objectValue != nil else { throw notJSON(provider: provider) }
        return json
    }

    /// The client's 502 for an answer whose body is not a JSON object.
    public static func notJSON(provider: String) -> AnthropicError {
        AnthropicError(.api, "provider '\(provider)' sent an answer that is not JSON", status: 502)
    }

    /// The wait an upstream asks for, in whole seconds rounded up: `retry-after-ms` or Azure's
    /// `x-ms-retry-after-ms` (milliseconds), else `retry-after` (seconds; an HTTP date is not read).
    static func retryAfterSeconds(in headers: [HTTPHeader]) -> Int? {
        func value(_ name: String) -> Double? {
            headers.first { $0.name == name }.flatMap { Double($0.value.trimmingWhitespace()) }.flatMap {
                $0.isFinite && $0 >= 0 ? $0 : nil
            }
        }
        let seconds = (value("retry-after-ms") ?? value("x-ms-retry-after-ms")).map { $0 / 1000 } ?? value("retry-after")
        return seconds.map { Int(min($0, 1e9).rounded(.up)) }
    }

    /// The wait a Google error's details ask for (one of type `google.rpc.RetryInfo`, its `retryDelay` a
    /// duration such as `"37s"` or `"1.5s"`), in whole seconds rounded up.
    static func retryDelaySeconds(in details: [JSONValue]) -> Int? {
        for detail in details {
            guard detail["@type"]?.stringValue?.hasSuffix("google.rpc.RetryInfo") == true,
                let delay = detail["retryDelay"]?.stringValue, delay.hasSuffix("s"),
                let seconds = Double(delay.dropLast()), seconds.isFinite, seconds >= 0
            else { continue }
            return Int(min(seconds, 1e9).rounded(.up))
        }
        return nil
    }

    /// The human part of an Anthropic, OpenAI-family, Mistral, Gemini-array or plain-text error body.
    public static func message(fromBody body: [UInt8]) -> String {
        message(of: try? JSONParser.parse(body), body: body)
    }

    private static func message(of json: JSONValue?, body: [UInt8]) -> String {
        guard !body.isEmpty else { return "" }
        if let json {
            let root = json.arrayValue?.first ?? json
            if let message = root["error"]?["message"]?.stringValue { return message }
            if let message = root["error"]?.stringValue { return message }
            if let message = root["message"]?.stringValue { return message }
            if let detail = root["detail"]?.stringValue { return detail }
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingWhitespace()
        return text
    }

    /// The type an Anthropic-shaped error body names (`"type": "error"` at the top): an Anthropic-native
    /// upstream knows better than its status which error it is (`overloaded_error` on a 529).
    private static func anthropicType(of json: JSONValue?) -> AnthropicErrorType? {
        guard json?["type"] == "error" else { return nil }
        return json?["error"]?["type"]?.stringValue.flatMap(AnthropicErrorType.init(rawValue:))
    }
}

/// Context-overflow wording from the various servers, rewritten to the sentences Claude Code acts on
/// (docs/translation.md §6.3): `prompt is too long: N tokens > M maximum` (it then compacts instead of
/// failing), or `input length and `max_tokens` exceed context limit: A + B > C, …` (it retries with a
/// smaller `max_tokens`).
package enum ContextOverflow {
    // `Regex` is not Sendable; these are built once and never mutated, so sharing them is safe.

    /// Wordings that state the input and the requested output separately: (input, output, limit).
    nonisolated(unsafe) private static let inputPlusOutput: [(Regex<AnyRegexOutput>, (Int, Int, Int))] = [
        // OpenAI: "maximum context length is 131072 tokens. However, you requested 131329 tokens (123137 in the messages, 8192 in the completion)"
        (try! Regex(#"maximum context length is ([\d,]+) tokens.*?\(([\d,]+) in the messages, ([\d,]+) in the completion\)"#), (2, 3, 1)),
        // vLLM: "maximum context length is 262144 tokens. However, you requested 128000 output tokens and your prompt contains at least 134145 input tokens"
        (
            try! Regex(
                #"maximum context length is ([\d,]+) tokens.*?requested ([\d,]+) output tokens.*?prompt contains (?:at least )?([\d,]+) input tokens"#
            ), (3, 2, 1)
        ),
    ]

    /// Wordings that state the prompt size and the limit: (prompt, limit).
    nonisolated(unsafe) private static let promptOverLimit: [(Regex<AnyRegexOutput>, (Int, Int))] = [
        // Anthropic's own wording, from servers that speak its API: kept as it is.
        (try! Regex(#"prompt is too long: ([\d,]+) tokens > ([\d,]+) maximum"#), (1, 2)),
        // OpenAI: "maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens"
        (try! Regex(#"maximum context length is ([\d,]+) tokens.*?(?:messages resulted in|requested) ([\d,]+) tokens"#), (2, 1)),
        // Mistral: "Prompt contains 40000 tokens … too large for model with 32768 maximum context length"
        (try! Regex(#"[Pp]rompt contains ([\d,]+) tokens.*?model with ([\d,]+) maximum context length"#), (1, 2)),
        // Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)"
        (try! Regex(#"input token count \(([\d,]+)\) exceeds the maximum number of tokens allowed \(([\d,]+)\)"#), (1, 2)),
        // Together: "The input (X tokens) is longer than the model's context length (Y tokens)"
        (try! Regex(#"input \(([\d,]+) tokens\) is longer than the model's context length \(([\d,]+) tokens\)"#), (1, 2)),
        // llama.cpp: "request (9032 tokens) exceeds the available context size (8192 tokens), try increasing it"
        (try! Regex(#"request \(([\d,]+) tokens\) exceeds the available context size \(([\d,]+) tokens\)"#), (1, 2)),
    ]

    private static let markers = [
        "maximum context length", "context length", "context window", "exceeds the available context size",
        "tokens to keep from the initial prompt", "prompt is too long", "input token count", "too many tokens",
    ]

    package static func anthropicMessage(for upstreamMessage: String) -> String? {
        for (pattern, (input, output, limit)) in inputPlusOutput {
            if let match = try? pattern.firstMatch(in: upstreamMessage), let a = number(match, input), let b = number(match, output),
                let c = number(match, limit)
            {
                return
                    "input length and `max_tokens` exceed context limit: \(a) + \(b) > \(c), decrease input length or `max_tokens` and try again"
            }
        }
        for (pattern, (prompt, limit)) in promptOverLimit {
            if let match = try? pattern.firstMatch(in: upstreamMessage), let n = number(match, prompt), let m = number(match, limit) {
                return promptTooLong(tokens: n, maximum: m)
            }
        }
        let lowered = upstreamMessage.lowercased()
        return markers.contains(where: lowered.contains) ? sentence : nil
    }

    /// The start of every message Claude Code compacts on.
    package static let sentence = "prompt is too long"

    /// The sentence Claude Code compacts on, for a prompt of `tokens` over a window of `maximum`.
    package static func promptTooLong(tokens: Int, maximum: Int) -> String {
        "\(sentence): \(tokens) tokens > \(maximum) maximum"
    }

    private static func number(_ match: Regex<AnyRegexOutput>.Match, _ group: Int) -> Int? {
        guard group < match.output.count, let text = match.output[group].substring else { return nil }
        return Int(text.filter { $0 != "," })
    }
}
