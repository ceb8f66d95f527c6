import ClaudeCodeProxyKit
import NIOCore
import NIOHTTP1
import NIOPosix

/// A one-request HTTP/1.1 client for 127.0.0.1, enough to talk to the proxy as Claude Code does.
enum LoopbackClient {
    struct Response {
        var status: Int
        /// Names lowercased.
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name == name }?.value
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func post(port: Int, path: String, json: JSONValue, headers: [(String, String)] = []) async throws -> Response {
        let body = json.serialized()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
            head.headers.add(name: "host", value: "127.0.0.1:\(port)")
            head.headers.add(name: "content-type", value: "application/json")
            head.headers.add(name: "content-length", value: String(body.count))
            head.headers.add(name: "connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var response: Response?
            for try await part in inbound {
                switch part {
                case .head(let head):
                    response = Response(
                        status: Int(head.status.code), headers: head.headers.map { ($0.name.lowercased(), $0.value) }, body: []
                    )
                case .body(let buffer):
                    response?.body += buffer.readableBytesView
                case .end:
                    if let response { return response }
                }
            }
            throw Failure(description: "the connection closed before a whole response")
        }
    }
}

/// An Anthropic SSE body read back into events, strictly: each event is one `event:` line and one
/// `data:` line whose JSON `type` is the event's name.
enum AnthropicSSE {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func events(in body: [UInt8]) throws -> [StreamEvent] {
        let text = String(decoding: body, as: UTF8.self)
        var events: [StreamEvent] = []
        for frame in text.split(separator: "\n\n") {
            let lines = frame.split(separator: "\n")
            guard lines.count == 2, lines[0].hasPrefix("event: "), lines[1].hasPrefix("data: ") else {
                throw Malformed(description: "not one event and one data line: \(frame)")
            }
            let name = String(lines[0].dropFirst("event: ".count))
            let data = try JSONParser.parse(String(lines[1].dropFirst("data: ".count)))
            guard data["type"]?.stringValue == name else { throw Malformed(description: "event \(name) carries \(data)") }
            events.append(try event(data))
        }
        return events
    }

    private static func event(_ data: JSONValue) throws -> StreamEvent {
        let index = data["index"]?.intValue ?? -1
        switch data["type"]?.stringValue {
        case "message_start":
            let message = data["message"]
            return .messageStart(
                id: message?["id"]?.stringValue ?? "", model: message?["model"]?.stringValue ?? "", usage: usage(message?["usage"])
            )
        case "ping":
            return .ping
        case "content_block_start":
            let block = data["content_block"]
            switch block?["type"]?.stringValue {
            case "text": return .contentBlockStart(index: index, block: .text)
            case "thinking": return .contentBlockStart(index: index, block: .thinking)
            case "tool_use":
                let start = StreamEvent.BlockStart.toolUse(id: block?["id"]?.stringValue ?? "", name: block?["name"]?.stringValue ?? "")
                return .contentBlockStart(index: index, block: start)
            default: throw Malformed(description: "unknown block \(data)")
            }
        case "content_block_delta":
            let delta = data["delta"]
            switch delta?["type"]?.stringValue {
            case "text_delta": return .contentBlockDelta(index: index, delta: .text(delta?["text"]?.stringValue ?? ""))
            case "thinking_delta": return .contentBlockDelta(index: index, delta: .thinking(delta?["thinking"]?.stringValue ?? ""))
            case "signature_delta": return .contentBlockDelta(index: index, delta: .signature(delta?["signature"]?.stringValue ?? ""))
            case "input_json_delta": return .contentBlockDelta(index: index, delta: .inputJSON(delta?["partial_json"]?.stringValue ?? ""))
            default: throw Malformed(description: "unknown delta \(data)")
            }
        case "content_block_stop":
            return .contentBlockStop(index: index)
        case "message_delta":
            guard let reason = data["delta"]?["stop_reason"]?.stringValue.flatMap(StopReason.init(rawValue:)) else {
                throw Malformed(description: "no stop reason in \(data)")
            }
            return .messageDelta(
                stopReason: reason, stopSequence: data["delta"]?["stop_sequence"]?.stringValue, usage: usage(data["usage"]))
        case "message_stop":
            return .messageStop
        case "error":
            guard let type = data["error"]?["type"]?.stringValue.flatMap(AnthropicErrorType.init(rawValue:)) else {
                throw Malformed(description: "an error event of no known type: \(data)")
            }
            return .error(type: type, message: data["error"]?["message"]?.stringValue ?? "")
        default:
            throw Malformed(description: "unknown event \(data)")
        }
    }

    static func usage(_ json: JSONValue?) -> TokenUsage {
        TokenUsage(
            inputTokens: json?["input_tokens"]?.intValue ?? 0, outputTokens: json?["output_tokens"]?.intValue ?? 0,
            cacheCreationInputTokens: json?["cache_creation_input_tokens"]?.intValue ?? 0,
            cacheReadInputTokens: json?["cache_read_input_tokens"]?.intValue ?? 0
        )
    }
}
