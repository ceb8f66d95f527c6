/// Tool-call ids as Anthropic clients accept them (`^[A-Za-z0-9_-]+$`).
public enum ToolCallID {
    /// The id with every other character replaced by `_`; a fresh `toolu_…` id when there is none.
    public static func normalized(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return AnthropicID.make(prefix: "toolu_") }
        let safe = id.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return Character(scalar)
            default: return "_"
            }
        }
        return String(safe)
    }
}

/// Tool-call arguments as the object Anthropic's `tool_use.input` must be.
public enum ToolArguments {
    /// Parses the upstream's argument text. An object is returned as is; another JSON value is wrapped as
    /// `{"input": value}` (`null` as `{}`); almost-JSON is repaired (`JSONRepair`); text that is not JSON even then is kept
    /// as `{"_raw_arguments": text}` so the model's output is never silently replaced by `{}`.
    public static func object(from arguments: JSONValue?) -> JSONValue {
        switch arguments {
        case .none, .null: return .object([])
        case .object: return arguments!
        case .string(let text):
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { return .object([]) }
            guard let parsed = (try? JSONParser.parse(trimmed)) ?? (try? JSONParser.parse(JSONRepair.repaired(trimmed))) else {
                return ["_raw_arguments": .string(text)]
            }
            switch parsed {
            case .object: return parsed
            case .null: return .object([])  // what some servers send for a tool without parameters
            default: return ["input": parsed]
            }
        case .some(let other): return ["input": other]
        }
    }

    /// A tool call's input as the JSON text upstream APIs carry arguments in; a value that is not an
    /// object is wrapped as `{"input": value}`, the way `object(from:)` unwraps it.
    package static func text(for input: JSONValue) -> String {
        switch input {
        case .object: return input.serializedString()
        case .null: return "{}"
        default: return JSONValue.object([("input", input)]).serializedString()
        }
    }
}

/// Tool ids that carry an upstream's data about a call (its signature, its own id) to the client and back:
/// clients keep a `tool_use` id and send it back exactly, on the call and on its result, whatever else they
/// keep of the turn. `toolu_p` + base64url of a JSON object, within Anthropic's id alphabet.
public enum PackedToolID {
    private static let prefix = "toolu_p"

    /// An id carrying `fields` (a JSON object). Two calls with the same fields get the same id: add a
    /// field that tells them apart.
    public static func make(_ fields: JSONValue) -> String {
        prefix + Base64URL.encoded(fields.serialized())
    }

    /// The fields an id made by `make` carries; nil for every other id.
    public static func fields(of id: String) -> JSONValue? {
        guard id.hasPrefix(prefix), let bytes = Base64URL.decoded(id.dropFirst(prefix.count)),
            let fields = try? JSONParser.parse(bytes), fields.objectValue != nil
        else { return nil }
        return fields
    }
}
