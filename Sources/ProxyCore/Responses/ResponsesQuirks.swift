extension Quirks {
    /// The `reasoning.summary` asked for with thinking; `none` asks for none (OpenAI refuses summaries to
    /// organizations that are not verified: "Your organization must be verified to generate reasoning
    /// summaries").
    package static let reasoningSummary = Quirk<String?>.choice(
        "reasoning_summary", ["auto": "auto", "concise": "concise", "detailed": "detailed", "none": nil], default: "auto")

    /// The Responses adapters' own quirks. They also read `reasoning_effort`, `models`, `extra_body`,
    /// `send_user` and `images`, declared with the chat-completions quirks.
    static let responses: [any AnyQuirk] = [reasoningSummary]
}
