/// A `YAMLNode` field keeps its subtree raw (for adapter-specific settings the typed config does not
/// model); the unknown-key check does not look inside it.
extension YAMLNode: Decodable {
    package init(from decoder: any Decoder) throws {
        guard let node = decoder.yamlNode else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a YAMLNode can only be decoded by YAMLDecoder"))
        }
        self = node
    }
}
