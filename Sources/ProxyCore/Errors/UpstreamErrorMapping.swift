/// Upstream HTTP errors → Anthropic errors (translation.md §6.2, §6.3, §6.6).
package enum UpstreamErrorMapping {
    /// Claude Code waits the full `retry-after` on every attempt: pass it on as integer seconds, capped.
    package static let maximumRetryAfterSeconds = 60

    package static func error(status: Int, body: [UInt8], retryAfter: String?, provider: String) -> AnthropicError {
        let upstreamMessage = message(fromBody: body)
        var type = AnthropicErrorType(upstreamStatus: status)
        var text = "upstream \(provider) returned \(status)"
        if !upstreamMessage.isEmpty { text += ": \(upstreamMessage)" }
        if type == .invalidRequest, let rewritten = ContextOverflow.anthropicMessage(for: upstreamMessage) {
            text = "\(rewritten) (\(text))"
        }
        if status == 429, upstreamMessage.contains("insufficient_quota") || upstreamMessage.contains("exceeded your current quota") {
            type = .billing
        }
        var headers: [(name: String, value: String)] = []
        if type == .rateLimit, let retryAfter, let seconds = Int(retryAfter.trimmingWhitespace()) ?? Double(retryAfter.trimmingWhitespace()).map({ Int($0.rounded(.up)) }) {
            headers.append(("retry-after", String(min(max(seconds, 0), maximumRetryAfterSeconds))))
        }
        if type == .authentication { headers.append(("x-should-retry", "false")) }
        return AnthropicError(type, text, headers: headers)
    }

    /// The human part of an OpenAI-family, Mistral, Gemini-array or plain-text error body.
    package static func message(fromBody body: [UInt8]) -> String {
        guard !body.isEmpty else { return "" }
        if let json = try? JSONParser.parse(body) {
            let root = json.arrayValue?.first ?? json
            if let message = root["error"]?["message"]?.stringValue { return message }
            if let message = root["error"]?.stringValue { return message }
            if let message = root["message"]?.stringValue { return message }
            if let detail = root["detail"]?.stringValue { return detail }
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingWhitespace()
        return text
    }
}

/// Context-overflow wording from the various servers, rewritten to the sentence Claude Code looks for
/// (`prompt is too long`) so it compacts instead of failing (translation.md §6.3).
package enum ContextOverflow {
    private static let markers = [
        "maximum context length", "context length", "context window", "exceeds the available context size",
        "tokens to keep from the initial prompt", "prompt is too long", "input token count", "too many tokens",
    ]

    package static func anthropicMessage(for upstreamMessage: String) -> String? {
        let lowered = upstreamMessage.lowercased()
        guard markers.contains(where: lowered.contains) else { return nil }
        let numbers = integers(in: upstreamMessage)
        if lowered.contains("maximum context length"), numbers.count >= 2 {
            let limit = numbers[0]
            let requested = numbers[1]
            if numbers.count >= 4 {
                return "input length and `max_tokens` exceed context limit: \(numbers[2]) + \(numbers[3]) > \(limit), decrease input length or `max_tokens` and try again"
            }
            return "prompt is too long: \(requested) tokens > \(limit) maximum"
        }
        return "prompt is too long"
    }

    private static func integers(in text: String) -> [Int] {
        var numbers: [Int] = []
        var current = ""
        for character in text {
            if character.isASCII, character.isNumber {
                current.append(character)
            } else if character == ",", !current.isEmpty {
                continue
            } else {
                if let number = Int(current) { numbers.append(number) }
                current = ""
            }
        }
        if let number = Int(current) { numbers.append(number) }
        return numbers
    }
}
