/// The catalog in the shapes of Anthropic's Models API (`GET /v1/models`, `GET /v1/models/{id}`) and of
/// Claude Code's bootstrap (`GET /api/claude_cli/bootstrap`).
extension ModelCatalog {
    /// One page of the list, as `limit`, `after_id` and `before_id` ask (Anthropic's cursors: the page after
    /// or before the entry with that id).
    package struct Page: Sendable, Equatable {
        package var limit = 20
        package var afterID: String?
        package var beforeID: String?

        package init(limit: Int = 20, afterID: String? = nil, beforeID: String? = nil) {
            self.limit = limit
            self.afterID = afterID
            self.beforeID = beforeID
        }

        /// `limit` may be 1 to 1000, as Anthropic's API takes.
        package static let limits = 1...1000
    }

    /// Anthropic's model object, with the metadata the config gives (`max_input_tokens`, `max_tokens`,
    /// `capabilities`); unknown values are left out or reported as unsupported. `description` is not
    /// Anthropic's: Claude Code's gateway discovery shows it under the name in `/model`.
    package static func json(_ entry: Entry) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("type", "model"), ("id", .string(entry.id)), ("display_name", .string(entry.displayName)),
            ("description", .string(entry.description)), ("created_at", "2026-01-01T00:00:00Z"),
        ]
        if let window = entry.metadata.contextWindow { members.append(("max_input_tokens", .integer(Int64(window)))) }
        if let output = entry.metadata.maxOutputTokens { members.append(("max_tokens", .integer(Int64(output)))) }
        members.append(("capabilities", capabilities(entry.metadata)))
        return .object(members)
    }

    private static func capabilities(_ metadata: ModelMetadata) -> JSONValue {
        func supported(_ flag: Bool) -> JSONValue { ["supported": .bool(flag)] }
        let thinking = metadata.thinking ?? false
        let levels = metadata.effort ?? []
        var effort: [(key: String, value: JSONValue)] = [("supported", .bool(!levels.isEmpty))]
        for level in ModelMetadata.effortLevels { effort.append((level, supported(levels.contains(level)))) }
        return [
            "batch": supported(false), "citations": supported(false), "code_execution": supported(false),
            "context_management": supported(false), "effort": .object(effort), "image_input": supported(metadata.vision ?? false),
            "pdf_input": supported(false), "structured_outputs": supported(true),
            "thinking": [
                "supported": .bool(thinking), "types": ["enabled": supported(thinking), "adaptive": supported(thinking)],
            ],
        ]
    }

    /// Anthropic's list shape for one page: `data`, `has_more`, `first_id`, `last_id`.
    package func listJSON(_ page: Page = Page()) -> JSONValue {
        var slice = entries[...]
        if let after = page.afterID, let index = entries.firstIndex(where: { $0.id == after }) {
            slice = entries[(index + 1)...]
        } else if let before = page.beforeID, let index = entries.firstIndex(where: { $0.id == before }) {
            slice = entries[..<index].suffix(page.limit)
        }
        let shown = slice.prefix(page.limit)
        let hasMore = page.beforeID != nil && page.afterID == nil ? shown.startIndex > entries.startIndex : shown.endIndex < slice.endIndex
        return [
            "data": .array(shown.map(Self.json)),
            "has_more": .bool(hasMore),
            "first_id": shown.first.map { .string($0.id) } ?? .null,
            "last_id": shown.last.map { .string($0.id) } ?? .null,
        ]
    }

    /// The bootstrap answer: every entry as an extra `/model` option, and the auto-compact window of each
    /// entry whose context window is known (Claude Code clamps it to 100k–1M tokens).
    package var bootstrapJSON: JSONValue {
        let options: [JSONValue] = entries.map { entry in
            [
                "model": .string(entry.id), "name": .string(entry.displayName),
                "description": .string(entry.description),
            ]
        }
        let windows: [(key: String, value: JSONValue)] = entries.compactMap { entry in
            entry.metadata.contextWindow.map { (entry.id, .integer(Int64($0))) }
        }
        return ["additional_model_options": .array(options), "auto_compact_windows": .object(windows)]
    }
}
