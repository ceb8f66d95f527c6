/// The `Decoder` for one node: hands out containers over it and turns every failure into a ``YAMLError``
/// at this node's mark and path.
///
/// A class so that ``YAMLError/invalidValue(_:in:)`` and the `Decoder` extensions can recognise it with `as?`.
final class YAMLNodeDecoder: Decoder {
    let session: YAMLDecodingSession
    let node: YAMLNode
    let path: YAMLPath

    init(session: YAMLDecodingSession, node: YAMLNode, path: YAMLPath) {
        self.session = session
        self.node = node
        self.path = path
    }

    var codingPath: [any CodingKey] { path.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let entries) = node.value else {
            throw error("expected a mapping, found \(node.kindDescription)")
        }
        return KeyedDecodingContainer(
            YAMLKeyedDecodingContainer<Key>(decoder: self, entries: entries, usage: session.keyUsage(at: path)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let elements) = node.value else {
            throw error("expected a sequence, found \(node.kindDescription)")
        }
        return YAMLUnkeyedDecodingContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        YAMLSingleValueDecodingContainer(decoder: self)
    }

    /// A decoder for a child node.
    func child(_ node: YAMLNode, _ component: YAMLPath.Component) -> YAMLNodeDecoder {
        YAMLNodeDecoder(session: session, node: node, path: path.appending(component))
    }

    /// Runs `T(from:)` on this node, converting any error it throws into a ``YAMLError`` placed here
    /// (or where a `DecodingError`'s coding path points).
    func decodeValue<T: Decodable>(_ type: T.Type) throws(YAMLError) -> T {
        do {
            return try T(from: self)
        } catch {
            session.markIncomplete(at: path)
            throw session.yamlError(from: error, at: self)
        }
    }

    /// The value as far as it decoded (nil when its decoding stopped), and whether it has no problem,
    /// unknown keys included; every problem is recorded.
    func checkedValue<T: Decodable>(_ type: T.Type) -> (value: T?, isValid: Bool) {
        let before = session.problems.count
        var value: T?
        do {
            value = try decodeValue(type)
        } catch {
            session.record(error)
        }
        session.recordUnknownKeys(in: node, at: path, final: true)
        return (value, session.problems.count == before)
    }

    /// An error at this node.
    func error(_ message: String) -> YAMLError {
        YAMLError(file: session.file, mark: node.mark, path: path.description, message: message)
    }
}

extension Decoder {
    /// The mark of the node being decoded, when decoding YAML; for validation errors in `init(from:)`.
    package var yamlMark: YAMLMark? { (self as? YAMLNodeDecoder)?.node.mark }

    /// The key path of the node being decoded, like `providers.openai` (the coding path otherwise).
    package var yamlPath: String {
        (self as? YAMLNodeDecoder)?.path.description ?? YAMLPath(codingPath: codingPath).description
    }

    /// The node being decoded, for types that want the raw tree (nil with other decoders).
    package var yamlNode: YAMLNode? { (self as? YAMLNodeDecoder)?.node }

    /// `body`'s value; when decoding YAML, a problem it throws is recorded for the report on the whole
    /// document and nil returned, so a config type goes on to its other keys after a required one failed
    /// (the document fails all the same). Other decoders get the error.
    func recordingProblems<T>(_ body: () throws -> T) throws -> T? {
        guard let decoder = self as? YAMLNodeDecoder else { return try body() }
        do {
            return try body()
        } catch {
            decoder.session.record(decoder.session.yamlError(from: error, at: decoder))
            return nil
        }
    }
}
