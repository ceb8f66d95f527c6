import ProxyCore
import Testing

/// For the same upstream answer, the streamed Anthropic events accumulate to exactly the non-streaming
/// message: Claude Code falls back from one to the other, so both paths must agree.
@Suite("Streaming and non-streaming agree", .timeLimit(.minutes(1)))
struct StreamEquivalenceTests {
    /// One upstream answer, renderable as a chat completion or as a chunk stream.
    struct Script: Sendable, CustomTestStringConvertible {
        var name: String
        var reasoning: String?
        var text: [String]
        var toolCalls: [(id: String, name: String, argumentPieces: [String])]
        var finishReason: String
        var usage: JSONValue

        var testDescription: String { name }

        var completion: JSONValue {
            var message: [(key: String, value: JSONValue)] = [
                ("role", "assistant"), ("content", text.isEmpty ? .null : .string(text.joined())),
            ]
            if let reasoning { message.append(("reasoning_content", .string(reasoning))) }
            if !toolCalls.isEmpty {
                message.append(
                    (
                        "tool_calls",
                        .array(
                            toolCalls.map { call in
                                [
                                    "id": .string(call.id), "type": "function",
                                    "function": ["name": .string(call.name), "arguments": .string(call.argumentPieces.joined())],
                                ]
                            })
                    ))
            }
            return [
                "id": "chatcmpl-9", "object": "chat.completion", "model": "m",
                "choices": [["index": 0, "message": .object(message), "finish_reason": .string(finishReason)]], "usage": usage,
            ]
        }

        var chunks: [String] {
            func chunk(_ delta: JSONValue, finish: String? = nil) -> String {
                let choice: JSONValue = ["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]
                return (["id": "chatcmpl-9", "object": "chat.completion.chunk", "choices": [choice]] as JSONValue).serializedString()
            }
            var events = [chunk(["role": "assistant", "content": ""])]
            if let reasoning {
                for piece in reasoning.split(separator: " ", omittingEmptySubsequences: false).map({ String($0) + " " }).dropLast() {
                    events.append(chunk(["reasoning_content": .string(piece)]))
                }
                events.append(chunk(["reasoning_content": .string(String(reasoning.split(separator: " ").last ?? ""))]))
            }
            for piece in text { events.append(chunk(["content": .string(piece)])) }
            for (position, call) in toolCalls.enumerated() {
                events.append(
                    chunk([
                        "tool_calls": [
                            [
                                "index": .integer(Int64(position)), "id": .string(call.id), "type": "function",
                                "function": ["name": .string(call.name), "arguments": ""],
                            ]
                        ]
                    ]))
                for piece in call.argumentPieces {
                    events.append(chunk(["tool_calls": [["index": .integer(Int64(position)), "function": ["arguments": .string(piece)]]]]))
                }
            }
            events.append(chunk([:], finish: finishReason))
            events.append(
                (["id": "chatcmpl-9", "object": "chat.completion.chunk", "choices": [], "usage": usage] as JSONValue).serializedString())
            events.append("[DONE]")
            return events
        }
    }

    static let scripts: [Script] = [
        Script(
            name: "text", text: ["Hel", "lo, ", "world"], toolCalls: [], finishReason: "stop",
            usage: ["prompt_tokens": 30, "completion_tokens": 4]),
        Script(
            name: "text then a tool call", text: ["Reading it."],
            toolCalls: [("call_1", "Read", [#"{"path":"#, #""a.txt"}"#])], finishReason: "tool_calls",
            usage: ["prompt_tokens": 50, "completion_tokens": 12]
        ),
        Script(
            name: "parallel tool calls", text: [],
            toolCalls: [("call_1", "Read", [#"{"path":"a"}"#]), ("call_2", "Glob", [#"{"pat"#, #"tern":"*.swift"}"#])],
            finishReason: "tool_calls", usage: ["prompt_tokens": 70, "completion_tokens": 20]
        ),
        Script(
            name: "thinking then text", reasoning: "The user greets me.", text: ["Hi ", "there"], toolCalls: [],
            finishReason: "stop", usage: ["prompt_tokens": 40, "completion_tokens": 9]
        ),
        Script(
            name: "cached prompt tokens", text: ["ok"], toolCalls: [], finishReason: "length",
            usage: ["prompt_tokens": 1200, "completion_tokens": 40, "prompt_tokens_details": ["cached_tokens": 1000]]
        ),
    ]

    @Test("streamed events accumulate to the non-streaming message", arguments: scripts)
    func streamMatchesMessage(script: Script) async throws {
        try await ProxyHarness.run { harness in
            harness.upstream.script(.json(body: script.completion), .stream(events: script.chunks))
            var request: [(key: String, value: JSONValue)] = [
                ("model", "claude-sonnet-4-5"), ("max_tokens", 1000), ("messages", [["role": "user", "content": "go"]]),
                ("tools", [["name": "Read", "input_schema": ["type": "object"]], ["name": "Glob", "input_schema": ["type": "object"]]]),
            ]
            let (_, message) = try await harness.sendJSON("/v1/messages", json: .object(request))
            request.append(("stream", true))
            let (status, events) = try await harness.stream(json: .object(request))
            #expect(status == 200)
            let accumulated = try Accumulator.message(from: events)
            #expect(accumulated["content"] == message["content"])
            #expect(accumulated["stop_reason"] == message["stop_reason"])
            #expect(accumulated["usage"] == message["usage"])
            #expect(accumulated["model"] == message["model"])
        }
    }
}

/// Rebuilds a message from stream events the way the Anthropic SDKs do.
enum Accumulator {
    struct Invalid: Error, CustomStringConvertible { var description: String }

    static func message(from events: [(name: String, data: JSONValue)]) throws -> JSONValue {
        guard let start = events.first, start.name == "message_start", let message = start.data["message"] else {
            throw Invalid(description: "no message_start first")
        }
        var blocks: [(type: String, fields: [(key: String, value: JSONValue)], partialJSON: String)] = []
        var stopReason: JSONValue = .null
        var usage: JSONValue = message["usage"] ?? .null
        for (name, data) in events.dropFirst() {
            switch name {
            case "content_block_start":
                guard case .object(let fields) = data["content_block"], let type = data["content_block"]?["type"]?.stringValue else {
                    throw Invalid(description: "bad content_block_start")
                }
                blocks.append((type, fields, ""))
            case "content_block_delta":
                guard let index = data["index"]?.intValue, index == blocks.count - 1, let delta = data["delta"] else {
                    throw Invalid(description: "delta for a block that is not the open one")
                }
                switch delta["type"]?.stringValue {
                case "text_delta": append(delta["text"], to: "text", in: &blocks[index].fields)
                case "thinking_delta": append(delta["thinking"], to: "thinking", in: &blocks[index].fields)
                case "signature_delta": set("signature", delta["signature"] ?? .null, in: &blocks[index].fields)
                case "input_json_delta": blocks[index].partialJSON += delta["partial_json"]?.stringValue ?? ""
                default: throw Invalid(description: "unknown delta")
                }
            case "message_delta":
                stopReason = data["delta"]?["stop_reason"] ?? .null
                usage = data["usage"] ?? usage
            default:
                continue
            }
        }
        let content: [JSONValue] = try blocks.map { block in
            var fields = block.fields
            if block.type == "tool_use" {
                set("input", block.partialJSON.isEmpty ? .object([]) : try JSONParser.parse(block.partialJSON), in: &fields)
            }
            return .object(fields)
        }
        return ["model": message["model"] ?? .null, "content": .array(content), "stop_reason": stopReason, "usage": usage]
    }

    private static func append(_ piece: JSONValue?, to key: String, in fields: inout [(key: String, value: JSONValue)]) {
        let current = fields.first { $0.key == key }?.value.stringValue ?? ""
        set(key, .string(current + (piece?.stringValue ?? "")), in: &fields)
    }

    private static func set(_ key: String, _ value: JSONValue, in fields: inout [(key: String, value: JSONValue)]) {
        if let position = fields.firstIndex(where: { $0.key == key }) {
            fields[position].value = value
        } else {
            fields.append((key, value))
        }
    }
}
