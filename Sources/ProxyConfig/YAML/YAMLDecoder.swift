/// Decodes `Decodable` config types from a parsed ``YAMLNode`` tree, strictly: wrong types, missing keys,
/// validation failures and unknown keys all become ``YAMLError``s that name the file, line, column and key path.
///
/// Strictness: after the value has decoded, every mapping the value's types opened is checked for keys
/// they never asked about (`contains`, `decode`, `decodeIfPresent` and nested containers count as asking),
/// so a typo such as `bse_url` fails with "unknown key 'bse_url'; did you mean 'base_url'?" instead of
/// being silently ignored. Mappings a type never opened (a raw ``YAMLNode`` field, say), or whose decoding
/// stopped early, are not checked.
///
/// Every problem is reported, not only the first: a value that `decodeIfPresent` finds present but wrong
/// is recorded and read as absent, so the rest of its mapping is still checked; ``YAMLChecked`` and
/// `recordingProblems` let a config type go on past a section or a required key that failed. The decoded
/// value is only ever returned when there is no problem at all.
///
/// Scalars are read by the Swift type asked for: `String` accepts any non-null scalar (`8080`, `true`),
/// numbers and booleans accept quoted text that spells them (`"8080"`), except `!!str`-tagged scalars.
/// Only a plain `null`, `~` or empty value is null.
package struct YAMLDecoder: Sendable {
    /// The file name used in error messages.
    package var file: String

    package init(file: String) {
        self.file = file
    }

    /// The value, or every problem found in `node`.
    package func decode<T: Decodable>(_ type: T.Type, from node: YAMLNode) throws(YAMLProblems) -> T {
        try Self.complete(decodeCollecting(type, from: node))
    }

    /// Parses and decodes in one step; an empty document is decoded as an empty mapping, so a config type
    /// whose keys are all optional accepts an empty file and any other reports what is missing.
    package func decode<T: Decodable>(
        _ type: T.Type,
        fromYAML text: String,
        environment: [String: String]
    ) throws(YAMLProblems) -> T {
        try Self.complete(decodeCollecting(type, fromYAML: text, environment: environment))
    }

    /// As much of the value as decoded, and every problem found: for a caller that checks more than the
    /// decoder can (references across sections, say) and reports all of it at once. The value is nil
    /// when the document is not well-formed YAML or its root did not decode; with problems it is partial
    /// (a wrong optional value reads as absent; see ``YAMLChecked`` for the parts checked on their own).
    package func decodeCollecting<T: Decodable>(
        _ type: T.Type,
        fromYAML text: String,
        environment: [String: String]
    ) -> (value: T?, problems: YAMLProblems) {
        let node: YAMLNode
        do {
            node =
                try YAMLParser.parse(text, file: file, environment: environment)
                ?? YAMLNode(mark: YAMLMark(line: 1, column: 1), value: .mapping([]))
        } catch {
            return (nil, YAMLProblems([error]))
        }
        return decodeCollecting(type, from: node)
    }

    /// `decodeCollecting(_:fromYAML:environment:)` for a tree already parsed.
    package func decodeCollecting<T: Decodable>(_ type: T.Type, from node: YAMLNode) -> (value: T?, problems: YAMLProblems) {
        let session = YAMLDecodingSession(file: file, root: node)
        let decoder = YAMLNodeDecoder(session: session, node: node, path: .root)
        var value: T?
        do {
            value = try decoder.decodeValue(type)
        } catch {
            session.record(error)
        }
        session.recordUnknownKeys(in: node, at: .root)
        return (value, session.problems)
    }

    private static func complete<T>(_ result: (value: T?, problems: YAMLProblems)) throws(YAMLProblems) -> T {
        guard let value = result.value, result.problems.isEmpty else { throw result.problems }
        return value
    }
}

/// State shared by every decoder and container of one `decode` call: which keys of which mapping were
/// asked for, keyed by the mapping's path (after alias expansion a path names exactly one node).
final class YAMLDecodingSession {
    let file: String
    let root: YAMLNode
    private var usage: [YAMLPath: YAMLKeyUsage] = [:]
    /// What was wrong, in the order found.
    private(set) var problems = YAMLProblems()
    /// Subtrees whose unknown keys ``YAMLChecked`` already reported, so the final pass skips them.
    private var checkedSubtrees: Set<YAMLPath> = []

    init(file: String, root: YAMLNode) {
        self.file = file
        self.root = root
    }

    /// The key usage of the mapping at `path`, shared by all containers opened on it.
    func keyUsage(at path: YAMLPath) -> YAMLKeyUsage {
        if let existing = usage[path] { return existing }
        let created = YAMLKeyUsage()
        usage[path] = created
        return created
    }

    /// Keeps `error` for the report on the whole document.
    func record(_ error: YAMLError) {
        problems.append(error)
    }

    /// Records every key, in document order, of a mapping under `node` that was opened and decoded to
    /// the end but never asked for that key. With `final`, the subtree is not looked at again.
    func recordUnknownKeys(in node: YAMLNode, at path: YAMLPath, final: Bool = false) {
        guard !checkedSubtrees.contains(path) else { return }
        if final { checkedSubtrees.insert(path) }
        switch node.value {
        case .scalar:
            return
        case .sequence(let elements):
            for (index, element) in elements.enumerated() {
                recordUnknownKeys(in: element, at: path.appending(.index(index)))
            }
        case .mapping(let entries):
            guard let keys = usage[path] else { return }
            for entry in entries {
                let entryPath = path.appending(.key(entry.key))
                guard !keys.isComplete || keys.wasAsked(entry.key) else {
                    record(
                        YAMLError(file: file, mark: entry.keyMark, path: entryPath.description, message: keys.unknownKeyMessage(entry.key)))
                    continue
                }
                recordUnknownKeys(in: entry.value, at: entryPath)
            }
        }
    }

    /// Marks the mapping at `path`, when one was opened there, as decoded only in part.
    func markIncomplete(at path: YAMLPath) {
        usage[path]?.markIncomplete()
    }

    /// Any error thrown while decoding as a ``YAMLError``: ours pass through; `DecodingError`s thrown by
    /// config types are placed by their coding path; anything else is placed at the node being decoded.
    func yamlError(from error: any Error, at decoder: YAMLNodeDecoder) -> YAMLError {
        switch error {
        case let error as YAMLError:
            return error
        case let error as DecodingError:
            switch error {
            case .keyNotFound(let key, let context):
                return located(context.codingPath, message: "missing required key '\(key.stringValue)'")
            case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
                let detail = context.debugDescription.isEmpty ? "expected a value of type \(type)" : context.debugDescription
                return located(context.codingPath, message: detail)
            case .dataCorrupted(let context):
                return located(context.codingPath, message: context.debugDescription)
            @unknown default:
                return YAMLError(file: file, mark: decoder.node.mark, path: decoder.path.description, message: "\(error)")
            }
        default:
            return YAMLError(file: file, mark: decoder.node.mark, path: decoder.path.description, message: "\(error)")
        }
    }

    /// Walks `codingPath` from the root as far as the document goes and uses that node's mark.
    private func located(_ codingPath: [any CodingKey], message: String) -> YAMLError {
        var node = root
        var path = YAMLPath.root
        var resolved = true
        for key in codingPath {
            guard resolved else {
                path.components.append(.key(key.stringValue))
                continue
            }
            switch node.value {
            case .sequence(let elements):
                if let index = key.intValue, elements.indices.contains(index) {
                    node = elements[index]
                    path.components.append(.index(index))
                    continue
                }
            case .mapping(let entries):
                if let entry = entries.first(where: { $0.key == key.stringValue }) {
                    node = entry.value
                    path.components.append(.key(entry.key))
                    continue
                }
            case .scalar:
                break
            }
            resolved = false
            path.components.append(key.intValue.map(YAMLPath.Component.index) ?? .key(key.stringValue))
        }
        return YAMLError(file: file, mark: node.mark, path: path.description, message: message)
    }
}
