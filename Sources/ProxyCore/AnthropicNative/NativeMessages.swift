/// The edits of `messages` an Anthropic-native provider needs: those its quirks ask for (`drop_blocks`,
/// `system_messages`), and the thinking blocks only this call's service may see (`NativeThinking`).
/// Everything else in each message stays as the client sent it.
enum NativeMessages {
    /// The edited `messages`, or nil when nothing needed changing (the client's bytes then go on untouched).
    /// - Parameter thinking: when given, thinking blocks go through `NativeThinking.returned`.
    static func edited(
        _ messages: JSONValue, droppingBlocks dropped: Set<String>, systemAsUser: Bool, thinking: NativeThinking? = nil
    ) -> JSONValue? {
        guard let list = messages.arrayValue else { return nil }
        var changed = false
        let edited = list.map { message -> JSONValue in
            guard case .object(var members) = message else { return message }
            if systemAsUser, message["role"] == "system" {
                changed = true
                let text = texts(of: message["content"]).joined(separator: "\n")
                return ["role": "user", "content": [["type": "text", "text": .string("<system-reminder>\n\(text)\n</system-reminder>")]]]
            }
            guard !dropped.isEmpty || thinking != nil, let index = members.firstIndex(where: { $0.key == "content" }),
                let blocks = members[index].value.arrayValue
            else { return message }
            var replaced = dropped.isEmpty ? blocks : replacing(blocks, dropped: dropped)
            if let thinking { replaced = replaced.compactMap(thinking.returned) }
            guard replaced != blocks else { return message }
            changed = true
            members[index].value = .array(replaced)
            return .object(members)
        }
        return changed ? .array(edited) : nil
    }

    /// Blocks of a dropped type become a notice, inside tool results too.
    private static func replacing(_ blocks: [JSONValue], dropped: Set<String>) -> [JSONValue] {
        blocks.map { block in
            guard let type = block["type"]?.stringValue else { return block }
            if dropped.contains(type) {
                return ["type": "text", "text": .string("[\(type) block removed: this model's provider cannot read it]")]
            }
            guard type == "tool_result", case .object(var members) = block, let index = members.firstIndex(where: { $0.key == "content" }),
                let content = members[index].value.arrayValue
            else { return block }
            members[index].value = .array(replacing(content, dropped: dropped))
            return .object(members)
        }
    }

    private static func texts(of content: JSONValue?) -> [String] {
        if let text = content?.stringValue { return [text] }
        return (content?.arrayValue ?? []).compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
    }
}
