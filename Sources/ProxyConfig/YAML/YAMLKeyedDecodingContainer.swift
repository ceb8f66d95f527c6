/// The keyed container over a mapping; records every key it is asked about so the decoder can reject
/// keys nobody asked for once decoding is done.
struct YAMLKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    private let decoder: YAMLNodeDecoder
    private let entries: [YAMLMappingEntry]
    private let usage: YAMLKeyUsage
    /// Positions by key for large mappings (dictionaries), so decoding every key stays linear;
    /// small mappings (structs) are searched directly.
    private let positions: [String: Int]?

    init(decoder: YAMLNodeDecoder, entries: [YAMLMappingEntry], usage: YAMLKeyUsage) {
        self.decoder = decoder
        self.entries = entries
        self.usage = usage
        if entries.count > 16 {
            positions = Dictionary(entries.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        } else {
            positions = nil
        }
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    /// Every key of the mapping that `Key` can represent, in document order (all of them for dictionaries).
    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool {
        usage.ask(key.stringValue)
        return entry(key.stringValue) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try child(key).isNull
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decodeBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decodeString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decodeDouble() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).decodeFloat() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decodeInteger(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).decodeInteger(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).decodeInteger(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).decodeInteger(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).decodeInteger(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).decodeInteger(type) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try child(key).decodeValue(type)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) -> Bool? { recovering(key) { try $0.decodeBool() } }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) -> String? { recovering(key) { try $0.decodeString() } }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) -> Double? { recovering(key) { try $0.decodeDouble() } }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) -> Float? { recovering(key) { try $0.decodeFloat() } }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) -> Int? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) -> Int8? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) -> Int16? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) -> Int32? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) -> Int64? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) -> UInt? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) -> UInt8? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) -> UInt16? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) -> UInt32? { recovering(key) { try $0.decodeInteger(type) } }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) -> UInt64? { recovering(key) { try $0.decodeInteger(type) } }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) -> T? {
        recovering(key) { try $0.decodeValue(type) }
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        superDecoder(named: "super")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        superDecoder(named: key.stringValue)
    }

    /// Like `JSONDecoder`, a missing key gives a decoder over null rather than an error.
    private func superDecoder(named key: String) -> YAMLNodeDecoder {
        usage.ask(key)
        let node = entry(key)?.value ?? YAMLNode(mark: decoder.node.mark, value: .scalar(YAMLScalar(text: "")))
        return decoder.child(node, .key(key))
    }

    private func entry(_ key: String) -> YAMLMappingEntry? {
        guard let positions else { return entries.first { $0.key == key } }
        return positions[key].map { entries[$0] }
    }

    /// `decodeIfPresent`: nil when `key` is absent or null, else `read` of its value. A value that is there
    /// but wrong is recorded as a problem of the document and read as absent, so the rest of this mapping
    /// is still checked (and the document fails all the same).
    private func recovering<T>(_ key: Key, _ read: (YAMLNodeDecoder) throws -> T) -> T? {
        usage.ask(key.stringValue)
        guard let entry = entry(key.stringValue) else { return nil }
        let child = decoder.child(entry.value, .key(entry.key))
        guard !child.isNull else { return nil }
        do {
            return try read(child)
        } catch {
            decoder.session.record(decoder.session.yamlError(from: error, at: child))
            return nil
        }
    }

    /// The decoder for the value at `key`, or "missing required key" at this mapping's mark.
    private func child(_ key: Key) throws(YAMLError) -> YAMLNodeDecoder {
        usage.ask(key.stringValue)
        guard let entry = entry(key.stringValue) else {
            throw decoder.error(missingKeyMessage(key.stringValue))
        }
        return decoder.child(entry.value, .key(entry.key))
    }

    /// Names a misspelt key that is probably the missing one, since the unknown-key check never gets to run.
    private func missingKeyMessage(_ key: String) -> String {
        let unknown = entries.filter { !usage.wasAsked($0.key) && Key(stringValue: $0.key) == nil }
        for entry in unknown where YAMLKeySuggestion.closest(to: entry.key, among: [key]) != nil {
            return "missing required key '\(key)' (found '\(entry.key)' on line \(entry.keyMark.line); misspelt?)"
        }
        return "missing required key '\(key)'"
    }
}
