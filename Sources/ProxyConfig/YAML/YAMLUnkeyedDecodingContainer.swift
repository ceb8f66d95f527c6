/// The unkeyed container over a sequence; each element decodes with its index in the path (`models[2]`).
struct YAMLUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    private let decoder: YAMLNodeDecoder
    private let elements: [YAMLNode]
    private(set) var currentIndex = 0

    init(decoder: YAMLNodeDecoder, elements: [YAMLNode]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func decodeNil() throws -> Bool {
        let element = try next()
        guard element.isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try advance { try $0.decodeBool() } }
    mutating func decode(_ type: String.Type) throws -> String { try advance { try $0.decodeString() } }
    mutating func decode(_ type: Double.Type) throws -> Double { try advance { try $0.decodeDouble() } }
    mutating func decode(_ type: Float.Type) throws -> Float { try advance { try $0.decodeFloat() } }
    mutating func decode(_ type: Int.Type) throws -> Int { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try advance { try $0.decodeInteger(type) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try advance { try $0.decodeInteger(type) } }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try advance { try $0.decodeValue(type) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try advance { try $0.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try advance { try $0.unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try advance { $0 }
    }

    /// The decoder for the current element; the index moves on only when `body` succeeds, as the
    /// `UnkeyedDecodingContainer` contract asks.
    private mutating func advance<T>(_ body: (YAMLNodeDecoder) throws -> T) throws -> T {
        let element = try next()
        let value = try body(element)
        currentIndex += 1
        return value
    }

    private func next() throws(YAMLError) -> YAMLNodeDecoder {
        guard !isAtEnd else {
            let noun = elements.count == 1 ? "element" : "elements"
            throw decoder.error("expected more elements: the sequence has only \(elements.count) \(noun)")
        }
        return decoder.child(elements[currentIndex], .index(currentIndex))
    }
}
