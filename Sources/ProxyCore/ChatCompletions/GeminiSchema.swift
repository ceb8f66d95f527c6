/// Tool schemas in the OpenAPI subset Gemini accepts, natively and through its OpenAI-compatible endpoint
/// (docs/translation.md §3.6).
///
/// Gemini answers 400 ("Unknown name \"additionalProperties\"", "\"exclusiveMinimum\"", "\"const\"") on
/// JSON-Schema keywords outside its subset, and Claude Code's own tool schemas use several of them; it also
/// refuses an empty `properties` ("should be non-empty for OBJECT type"), which tools without parameters send.
public enum GeminiSchema {
    static let keptKeys: Set<String> = [
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
        "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
        "default", "items", "minimum", "maximum",
    ]
    /// `$ref` chains deeper than this are cut (recursive schemas would never end).
    static let maximumDepth = 32

    /// A JSON Schema in Gemini's subset: `$ref`s inlined, `const` as a one-value `enum`, null types as
    /// `nullable`, unknown keywords and empty `properties` left out.
    public static func cleaned(_ schema: JSONValue) -> JSONValue {
        let definitions = (schema["$defs"]?.objectValue ?? []) + (schema["definitions"]?.objectValue ?? [])
        return clean(schema, definitions: definitions, depth: 0)
    }

    private static func clean(_ schema: JSONValue, definitions: [(key: String, value: JSONValue)], depth: Int) -> JSONValue {
        guard depth < maximumDepth, case .object(var members) = schema else { return .object([]) }
        if let reference = schema["$ref"]?.stringValue {
            let name = String(reference.split(separator: "/").last ?? "")
            let target = definitions.first { $0.key == name }?.value ?? .object([])
            return clean(target, definitions: definitions, depth: depth + 1)
        }
        if let constant = schema["const"] {
            members.append(("enum", [constant]))
        }
        // type: [T, "null"] → type: T, nullable: true
        if let types = schema["type"]?.arrayValue {
            let concrete = types.filter { $0 != "null" }
            members.removeAll { $0.key == "type" }
            if let first = concrete.first { members.append(("type", first)) }
            if concrete.count < types.count { members.append(("nullable", true)) }
        }
        // anyOf with a null branch → nullable; a single remaining branch replaces the anyOf.
        if let branches = schema["anyOf"]?.arrayValue {
            let concrete = branches.filter { $0["type"] != "null" }
            members.removeAll { $0.key == "anyOf" }
            if concrete.count < branches.count { members.append(("nullable", true)) }
            if concrete.count == 1, case .object(let only) = clean(concrete[0], definitions: definitions, depth: depth + 1) {
                for member in only where !members.contains(where: { $0.key == member.key }) { members.append(member) }
            } else if !concrete.isEmpty {
                members.append(("anyOf", .array(concrete.map { clean($0, definitions: definitions, depth: depth + 1) })))
            }
        }
        let type = members.first { $0.key == "type" }?.value.stringValue
        var result: [(key: String, value: JSONValue)] = []
        for (key, value) in members where keptKeys.contains(key) && !result.contains(where: { $0.key == key }) {
            switch key {
            case "properties":
                if value.objectValue?.isEmpty ?? true { continue }
                let properties = (value.objectValue ?? []).map {
                    (key: $0.key, value: clean($0.value, definitions: definitions, depth: depth + 1))
                }
                result.append((key, .object(properties)))
            case "items":
                result.append((key, clean(value, definitions: definitions, depth: depth + 1)))
            case "anyOf":
                result.append((key, value))
            case "format":
                // Only enum and date-time formats are accepted on strings.
                if type != "string" || value == "date-time" || value == "enum" { result.append((key, value)) }
            case "enum":
                if type == nil || type == "string" { result.append((key, value)) }
            default:
                result.append((key, value))
            }
        }
        return .object(result)
    }
}
