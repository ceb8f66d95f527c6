/// Builds the node tree from parse events without recursion: an explicit stack of open collections,
/// an anchor table for aliases, merge keys, duplicate-key and depth checks, and `${VAR}` substitution of
/// scalar values.
///
/// libyaml's event API leaves aliases, duplicates and merges to the loader; this is that loader, hardened
/// for hostile input: nesting is capped at ``maxDepth`` (checked before a level is opened, aliases
/// included), and alias expansion at ``maxAliasExpansion`` nodes so a "billion laughs" document fails fast.
struct YAMLTreeBuilder {
    static let maxDepth = 64
    static let maxAliasExpansion = 100_000

    let file: String
    let environment: YAMLEnvironment

    /// The finished root, once its document has been read.
    private(set) var root: YAMLNode?
    private var documentCount = 0
    private var stack: [Frame] = []
    private var anchors: [String: Built] = [:]
    private var expandedNodes = 0

    init(file: String, environment: YAMLEnvironment) {
        self.file = file
        self.environment = environment
    }

    /// A complete node with the measures the limits need. Anchored scalars are kept unsubstituted
    /// (`text == source`) so an alias can be used as a key (raw) or a value (substituted).
    private struct Built {
        var node: YAMLNode
        /// Levels of collections in the node (a scalar is 0).
        var height: Int
        /// Nodes in the node, counting alias expansions.
        var size: Int
    }

    private struct PendingKey {
        var text: String
        var mark: YAMLMark
        var isMerge: Bool
    }

    private enum MappingItem {
        case entry(YAMLMappingEntry)
        case merge([YAMLNode])
    }

    private enum Content {
        case sequence([YAMLNode])
        case mapping(items: [MappingItem], keys: [String: YAMLMark], pendingKey: PendingKey?)

        var noun: String {
            switch self {
            case .sequence: "sequence"
            case .mapping: "mapping"
            }
        }
    }

    private struct Frame {
        var mark: YAMLMark
        var anchor: String?
        var content: Content
        var height = 1
        var size = 1
    }

    mutating func handle(_ event: YAMLEvent) throws(YAMLError) {
        switch event {
        case .streamStart, .streamEnd, .documentEnd:
            break
        case .documentStart(let mark):
            documentCount += 1
            if documentCount > 1 {
                throw error(
                    "found a second YAML document; a config file must hold exactly one (remove the '---' line)",
                    at: mark, path: .root)
            }
        case .scalar(let properties, let text, let style):
            let raw = YAMLScalar(text: text, style: style, tag: properties.tag)
            let built = Built(node: YAMLNode(mark: properties.mark, value: .scalar(raw)), height: 0, size: 1)
            if let anchor = properties.anchor { anchors[anchor] = built }
            try place(built)
        case .sequenceStart(let properties):
            try open(properties, content: .sequence([]))
        case .mappingStart(let properties):
            try open(properties, content: .mapping(items: [], keys: [:], pendingKey: nil))
        case .sequenceEnd, .mappingEnd:
            let built = try close()
            try place(built)
        case .alias(let mark, let anchor):
            guard let built = anchors[anchor] else {
                throw error("unknown alias '*\(anchor)': no anchor '&\(anchor)' is defined before it", at: mark, path: currentPath())
            }
            if built.height > 0 {  // only collections expand; a scalar alias is one node
                expandedNodes += built.size
                if expandedNodes > Self.maxAliasExpansion {
                    throw error(
                        "document expands too much through aliases (more than \(Self.maxAliasExpansion) nodes)",
                        at: mark, path: currentPath())
                }
                if stack.count + built.height > Self.maxDepth {
                    throw error("nesting deeper than \(Self.maxDepth) levels (through alias '*\(anchor)')", at: mark, path: currentPath())
                }
            }
            try place(built)
        }
    }

    private mutating func open(_ properties: YAMLEvent.Properties, content: Content) throws(YAMLError) {
        if isKeyPosition {
            throw error("a mapping key must be a scalar, found a \(content.noun)", at: properties.mark, path: currentPath())
        }
        if stack.count >= Self.maxDepth {
            throw error("nesting deeper than \(Self.maxDepth) levels", at: properties.mark, path: currentPath())
        }
        stack.append(Frame(mark: properties.mark, anchor: properties.anchor, content: content))
    }

    private mutating func close() throws(YAMLError) -> Built {
        guard let frame = stack.popLast() else {
            throw error("unbalanced end of a collection", at: nil, path: .root)
        }
        let value: YAMLNode.Value
        switch frame.content {
        case .sequence(let elements):
            value = .sequence(elements)
        case .mapping(let items, let keys, _):
            value = .mapping(Self.applyMerges(items, explicitKeys: keys))
        }
        let built = Built(node: YAMLNode(mark: frame.mark, value: value), height: frame.height, size: frame.size)
        if let anchor = frame.anchor { anchors[anchor] = built }
        return built
    }

    /// Merged entries take the place of their `<<` key; explicit keys win wherever they are, and among
    /// merged mappings the earlier one wins.
    private static func applyMerges(_ items: [MappingItem], explicitKeys: [String: YAMLMark]) -> [YAMLMappingEntry] {
        var entries: [YAMLMappingEntry] = []
        entries.reserveCapacity(items.count)
        var taken = Set(explicitKeys.keys)
        for item in items {
            switch item {
            case .entry(let entry):
                entries.append(entry)
            case .merge(let sources):
                for source in sources {
                    guard case .mapping(let sourceEntries) = source.value else { continue }
                    for entry in sourceEntries where taken.insert(entry.key).inserted {
                        entries.append(entry)
                    }
                }
            }
        }
        return entries
    }

    private var isKeyPosition: Bool {
        guard let top = stack.last, case .mapping(_, _, let pendingKey) = top.content else { return false }
        return pendingKey == nil
    }

    /// Attaches a finished node to the open collection on top, or makes it the root.
    private mutating func place(_ built: Built) throws(YAMLError) {
        guard let top = stack.indices.last else {
            if root == nil { root = try substituted(built, path: .root).node }
            return
        }
        let parentPath = path(ofFramesBefore: top)
        // Each case moves the collection out of the stack before appending, so the array is uniquely
        // referenced and appends stay O(1).
        switch stack[top].content {
        case .sequence(var elements):
            stack[top].content = .sequence([])
            let value = try substituted(built, path: parentPath.appending(.index(elements.count)))
            elements.append(value.node)
            stack[top].content = .sequence(elements)
        case .mapping(var items, var keys, let pendingKey):
            guard let pendingKey else {
                guard case .scalar(let scalar) = built.node.value else {
                    throw error(
                        "a mapping key must be a scalar, found \(built.node.kindDescription)",
                        at: built.node.mark, path: parentPath)
                }
                let key = PendingKey(
                    text: scalar.source, mark: built.node.mark,
                    isMerge: scalar.source == "<<" && scalar.style == .plain && scalar.tag == nil)
                stack[top].content = .mapping(items: items, keys: keys, pendingKey: key)
                return
            }
            stack[top].content = .mapping(items: [], keys: [:], pendingKey: nil)
            let path = parentPath.appending(.key(pendingKey.text))
            if let first = keys[pendingKey.text] {
                throw error(
                    "duplicate key '\(pendingKey.text)': it is already defined at line \(first.line), column \(first.column)",
                    at: pendingKey.mark, path: path)
            }
            keys[pendingKey.text] = pendingKey.mark
            let value = try substituted(built, path: path)
            if pendingKey.isMerge {
                items.append(.merge(try mergeSources(value.node, path: path)))
            } else {
                items.append(.entry(YAMLMappingEntry(key: pendingKey.text, keyMark: pendingKey.mark, value: value.node)))
            }
            stack[top].content = .mapping(items: items, keys: keys, pendingKey: nil)
        }
        stack[top].height = max(stack[top].height, built.height + 1)
        stack[top].size += built.size
    }

    private func mergeSources(_ node: YAMLNode, path: YAMLPath) throws(YAMLError) -> [YAMLNode] {
        switch node.value {
        case .mapping:
            return [node]
        case .sequence(let elements):
            for element in elements {
                guard case .mapping = element.value else {
                    throw error(
                        "merge key '<<' expects a mapping or a sequence of mappings, found \(element.kindDescription) in the sequence",
                        at: element.mark, path: path)
                }
            }
            return elements
        case .scalar:
            throw error(
                "merge key '<<' expects a mapping or a sequence of mappings, found \(node.kindDescription)",
                at: node.mark, path: path)
        }
    }

    /// Substitutes `${VAR}` in a scalar placed as a value; collections were substituted as they were built.
    private func substituted(_ built: Built, path: YAMLPath) throws(YAMLError) -> Built {
        guard case .scalar(var scalar) = built.node.value else { return built }
        let result: YAMLEnvironment.Substitution
        do {
            result = try environment.substitute(scalar.source)
        } catch {
            throw self.error(error.message, at: built.node.mark, path: path)
        }
        scalar.text = result.text
        scalar.missingVariables = result.missingVariables
        var copy = built
        copy.node.value = .scalar(scalar)
        return copy
    }

    /// The path of the position the next node will take.
    private func currentPath() -> YAMLPath {
        path(ofFramesBefore: stack.count)
    }

    /// The path of the open collection at `index` (the root when 0).
    private func path(ofFramesBefore index: Int) -> YAMLPath {
        var path = YAMLPath.root
        for frame in stack[..<index] {
            switch frame.content {
            case .sequence(let elements):
                path.components.append(.index(elements.count))
            case .mapping(_, _, let pendingKey):
                if let pendingKey { path.components.append(.key(pendingKey.text)) }
            }
        }
        return path
    }

    private func error(_ message: String, at mark: YAMLMark?, path: YAMLPath) -> YAMLError {
        YAMLError(file: file, mark: mark, path: path.description, message: message)
    }
}
