/// Reads a `/v1/messages` body leniently: unknown fields and block types are tolerated, but a field the
/// proxy needs with the wrong type is an error that names the field.
extension MessagesRequest {
    package init(json: JSONValue) throws(RequestDecodingError) {
        _ = try JSONField.object(json, path: "body")
        guard let model = json["model"] else { throw RequestDecodingError(path: "model", problem: "is required") }
        self.model = try JSONField.string(model, path: "model")
        guard let messagesValue = json["messages"] else {
            throw RequestDecodingError(path: "messages", problem: "is required")
        }
        let messageValues = try JSONField.array(messagesValue, path: "messages")
        guard !messageValues.isEmpty else {
            throw RequestDecodingError(path: "messages", problem: "must contain at least one message")
        }
        var messages: [InputMessage] = []
        messages.reserveCapacity(messageValues.count)
        for (position, value) in messageValues.enumerated() {
            messages.append(try InputMessage(json: value, path: "messages.\(position)"))
        }
        self.messages = messages

        maxTokens = try json["max_tokens"].flatMap { value throws(RequestDecodingError) in
            try JSONField.optionalInt(value, path: "max_tokens")
        }
        system = try Self.systemTexts(json["system"])
        tools = try Self.tools(json["tools"])
        toolChoice = try json["tool_choice"].flatMap { value throws(RequestDecodingError) in
            try ToolChoice(json: value)
        }
        stopSequences = try Self.strings(json["stop_sequences"], path: "stop_sequences")
        temperature = try JSONField.optionalDouble(json["temperature"], path: "temperature")
        topP = try JSONField.optionalDouble(json["top_p"], path: "top_p")
        topK = try json["top_k"].flatMap { value throws(RequestDecodingError) in
            try JSONField.optionalInt(value, path: "top_k")
        }
        stream = try JSONField.optionalBool(json["stream"], path: "stream") ?? false
        metadataUserID = json["metadata"]?["user_id"]?.stringValue
        sessionID = metadataUserID.flatMap(Self.sessionID(inUserID:))
        thinking = try Self.thinking(json["thinking"])
        effort = json["output_config"]?["effort"]?.stringValue
        outputSchema = try Self.outputSchema(json)
    }

    /// The session id in either format Claude Code uses for `metadata.user_id`: a JSON object with
    /// `session_id`, or the older `user_<hash>_account_<uuid>_session_<uuid>`.
    static func sessionID(inUserID userID: String) -> String? {
        if userID.hasPrefix("{"), let object = try? JSONParser.parse(userID), let session = object["session_id"]?.stringValue,
            !session.isEmpty
        {
            return session
        }
        guard let marker = userID.firstRange(of: "_session_") else { return nil }
        let session = String(userID[marker.upperBound...])
        return session.isEmpty ? nil : session
    }

    /// Content block types the translation drops (unknown or Anthropic-only), for a debug log line.
    package var droppedBlockTypes: [String] {
        messages.flatMap(\.content).compactMap { block in
            switch block {
            case .unsupported(let type): return type
            case .redactedThinking: return "redacted_thinking"
            default: return nil
            }
        }
    }

    private static func systemTexts(_ value: JSONValue?) throws(RequestDecodingError) -> [String] {
        guard let value, !value.isNull else { return [] }
        if case .string(let text) = value { return [text] }
        let blocks = try JSONField.array(value, path: "system")
        return blocks.compactMap { block in
            block["type"]?.stringValue == "text" ? block["text"]?.stringValue : nil
        }
    }

    private static func tools(_ value: JSONValue?) throws(RequestDecodingError) -> [ToolDefinition] {
        guard let value, !value.isNull else { return [] }
        let entries = try JSONField.array(value, path: "tools")
        var tools: [ToolDefinition] = []
        for (position, entry) in entries.enumerated() {
            let path = "tools.\(position)"
            _ = try JSONField.object(entry, path: path)
            guard let name = entry["name"] else { throw RequestDecodingError(path: "\(path).name", problem: "is required") }
            tools.append(
                ToolDefinition(
                    name: try JSONField.string(name, path: "\(path).name"),
                    description: entry["description"]?.stringValue,
                    inputSchema: entry["input_schema"],
                    type: entry["type"]?.stringValue
                )
            )
        }
        return tools
    }

    private static func strings(_ value: JSONValue?, path: String) throws(RequestDecodingError) -> [String] {
        guard let value, !value.isNull else { return [] }
        var strings: [String] = []
        for (position, element) in try JSONField.array(value, path: path).enumerated() {
            strings.append(try JSONField.string(element, path: "\(path).\(position)"))
        }
        return strings
    }

    /// The schema of `output_config.format`, else of the beta's top-level `output_format` (still accepted
    /// by Anthropic for a transition period).
    private static func outputSchema(_ json: JSONValue) throws(RequestDecodingError) -> JSONValue? {
        let current = json["output_config"]?["format"]
        let isCurrent = current.map { !$0.isNull } ?? false
        let path = isCurrent ? "output_config.format" : "output_format"
        guard let format = isCurrent ? current : json["output_format"], !format.isNull else { return nil }
        _ = try JSONField.object(format, path: path)
        let type = try JSONField.string(format["type"] ?? .null, path: "\(path).type")
        guard type == "json_schema" else {
            throw RequestDecodingError(path: "\(path).type", problem: "must be \"json_schema\", not \"\(type)\"")
        }
        guard let schema = format["schema"], !schema.isNull else {
            throw RequestDecodingError(path: "\(path).schema", problem: "is required")
        }
        _ = try JSONField.object(schema, path: "\(path).schema")
        return schema
    }

    private static func thinking(_ value: JSONValue?) throws(RequestDecodingError) -> ThinkingSetting? {
        guard let value, !value.isNull else { return nil }
        _ = try JSONField.object(value, path: "thinking")
        switch value["type"]?.stringValue {
        case "enabled": return .enabled(budgetTokens: value["budget_tokens"]?.intValue ?? 0)
        case "adaptive": return .adaptive
        case "disabled": return .disabled
        default: return nil
        }
    }
}

extension InputMessage {
    init(json: JSONValue, path: String) throws(RequestDecodingError) {
        _ = try JSONField.object(json, path: path)
        guard let roleValue = json["role"] else { throw RequestDecodingError(path: "\(path).role", problem: "is required") }
        let roleName = try JSONField.string(roleValue, path: "\(path).role")
        switch roleName {
        case "user": role = .user
        case "assistant": role = .assistant
        case "system", "developer": role = .system
        default:
            throw RequestDecodingError(path: "\(path).role", problem: "must be \"user\", \"assistant\" or \"system\", not \"\(roleName)\"")
        }
        guard let contentValue = json["content"] else {
            throw RequestDecodingError(path: "\(path).content", problem: "is required")
        }
        content = try ContentBlock.list(contentValue, path: "\(path).content")
    }
}

extension ContentBlock {
    /// A `content` field: a plain string or an array of blocks.
    static func list(_ value: JSONValue, path: String) throws(RequestDecodingError) -> [ContentBlock] {
        switch value {
        case .string(let text): return [.text(text)]
        case .null: return []
        case .array(let elements):
            var blocks: [ContentBlock] = []
            blocks.reserveCapacity(elements.count)
            for (position, element) in elements.enumerated() {
                blocks.append(try ContentBlock(json: element, path: "\(path).\(position)"))
            }
            return blocks
        default:
            throw RequestDecodingError(path: path, problem: "must be a string or an array of content blocks, not \(value.typeDescription)")
        }
    }

    init(json: JSONValue, path: String) throws(RequestDecodingError) {
        _ = try JSONField.object(json, path: path)
        guard let typeValue = json["type"] else { throw RequestDecodingError(path: "\(path).type", problem: "is required") }
        let type = try JSONField.string(typeValue, path: "\(path).type")
        switch type {
        case "text":
            self = .text(try JSONField.string(json["text"] ?? .string(""), path: "\(path).text"))
        case "image":
            self = .image(try ImageSource(json: json["source"], path: "\(path).source"))
        case "tool_use":
            self = .toolUse(
                id: try JSONField.string(json["id"] ?? .null, path: "\(path).id"),
                name: try JSONField.string(json["name"] ?? .null, path: "\(path).name"),
                input: json["input"] ?? .object([])
            )
        case "tool_result":
            self = .toolResult(
                toolUseID: try JSONField.string(json["tool_use_id"] ?? .null, path: "\(path).tool_use_id"),
                content: try ContentBlock.list(json["content"] ?? .null, path: "\(path).content"),
                isError: json["is_error"]?.boolValue ?? false
            )
        case "thinking":
            self = .thinking(text: json["thinking"]?.stringValue ?? "", signature: json["signature"]?.stringValue ?? "")
        case "redacted_thinking":
            self = .redactedThinking(data: json["data"]?.stringValue ?? "")
        case "document":
            self = .document(DocumentSource(json: json["source"]), title: json["title"]?.stringValue)
        default:
            self = .unsupported(type: type)
        }
    }
}

extension ImageSource {
    init(json: JSONValue?, path: String) throws(RequestDecodingError) {
        guard let json else { throw RequestDecodingError(path: path, problem: "is required") }
        _ = try JSONField.object(json, path: path)
        switch json["type"]?.stringValue {
        case "base64":
            self = .base64(
                mediaType: json["media_type"]?.stringValue ?? "image/png",
                data: try JSONField.string(json["data"] ?? .null, path: "\(path).data")
            )
        case "url":
            self = .url(try JSONField.string(json["url"] ?? .null, path: "\(path).url"))
        case "file":
            throw RequestDecodingError(
                path: "\(path).type",
                problem:
                    "\"file\" sources (Files API ids) cannot be resolved by an OpenAI-compatible provider; send the image as base64 or a URL"
            )
        default:
            throw RequestDecodingError(path: "\(path).type", problem: "must be \"base64\", \"url\" or \"file\"")
        }
    }
}

extension DocumentSource {
    init(json: JSONValue?) {
        switch json?["type"]?.stringValue {
        case "text": self = .text(json?["data"]?.stringValue ?? "")
        case "base64":
            self = .base64(mediaType: json?["media_type"]?.stringValue ?? "application/pdf", data: json?["data"]?.stringValue ?? "")
        case "url": self = .url(json?["url"]?.stringValue ?? "")
        case let type: self = .other(type: type ?? "unknown")
        }
    }
}

extension ToolChoice {
    init(json: JSONValue) throws(RequestDecodingError) {
        _ = try JSONField.object(json, path: "tool_choice")
        let typeName = try JSONField.string(json["type"] ?? .null, path: "tool_choice.type")
        guard let kind = Kind(rawValue: typeName) else {
            throw RequestDecodingError(
                path: "tool_choice.type", problem: "must be \"auto\", \"any\", \"tool\" or \"none\", not \"\(typeName)\"")
        }
        let name = json["name"]?.stringValue
        if kind == .tool, name == nil {
            throw RequestDecodingError(path: "tool_choice.name", problem: "is required when type is \"tool\"")
        }
        self.init(kind: kind, name: name, disableParallelToolUse: json["disable_parallel_tool_use"]?.boolValue ?? false)
    }
}

/// A request field that is missing or has the wrong type; rendered as a 400 naming the field.
package struct RequestDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var problem: String
    package var description: String { "\(path): \(problem)" }
}

extension RequestDecodingError: AnthropicErrorRepresentable {
    /// A 400 naming the field: `messages.0.role: must be …`.
    package var anthropicError: AnthropicError { .invalidRequest(description) }
}

/// Typed reads of JSON fields that fail with the field's path.
enum JSONField {
    static func object(_ value: JSONValue, path: String) throws(RequestDecodingError) -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = value else {
            throw RequestDecodingError(path: path, problem: "must be an object, not \(value.typeDescription)")
        }
        return members
    }

    static func array(_ value: JSONValue, path: String) throws(RequestDecodingError) -> [JSONValue] {
        guard case .array(let elements) = value else {
            throw RequestDecodingError(path: path, problem: "must be an array, not \(value.typeDescription)")
        }
        return elements
    }

    static func string(_ value: JSONValue, path: String) throws(RequestDecodingError) -> String {
        guard case .string(let text) = value else {
            throw RequestDecodingError(path: path, problem: value.isNull ? "is required" : "must be a string, not \(value.typeDescription)")
        }
        return text
    }

    static func optionalInt(_ value: JSONValue, path: String) throws(RequestDecodingError) -> Int? {
        if value.isNull { return nil }
        guard let integer = value.intValue else {
            throw RequestDecodingError(path: path, problem: "must be an integer, not \(value.typeDescription)")
        }
        return integer
    }

    static func optionalDouble(_ value: JSONValue?, path: String) throws(RequestDecodingError) -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.doubleValue else {
            throw RequestDecodingError(path: path, problem: "must be a number, not \(value.typeDescription)")
        }
        return number
    }

    static func optionalBool(_ value: JSONValue?, path: String) throws(RequestDecodingError) -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw RequestDecodingError(path: path, problem: "must be a boolean, not \(value.typeDescription)")
        }
        return flag
    }
}
