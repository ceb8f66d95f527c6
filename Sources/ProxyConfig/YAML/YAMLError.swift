/// Every failure of the YAML layer — syntax, aliases, substitution, decoding, validation — as one type that
/// renders itself the way compilers do, so `check` and start-up can print it as is.
///
/// `description` is `FILE:LINE:COL: MESSAGE (at PATH)`; the mark is left out when unknown and the path when
/// empty (the document root), e.g. `config.yaml:7:5: unknown key 'bse_url'; did you mean 'base_url'?
/// (at providers.openai.bse_url)`.
package struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given to the parser or decoder (used only for messages).
    package var file: String
    /// Where the problem is, 1-based; nil only when no position is known.
    package var mark: YAMLMark?
    /// The key path of the offending node, like `providers.openai.base_url` or `models[2].match`.
    package var path: String
    /// What was wrong and, where possible, what was expected instead.
    package var message: String

    package init(file: String, mark: YAMLMark?, path: String = "", message: String) {
        self.file = file
        self.mark = mark
        self.path = path
        self.message = message
    }

    package var description: String {
        var text = file
        if let mark { text += ":\(mark.line):\(mark.column)" }
        text += ": \(message)"
        if !path.isEmpty { text += " (at \(path))" }
        return text
    }
}

extension YAMLError {
    /// An error for a value that has the right shape but is not acceptable, thrown from a config type's
    /// own `init(from:)` so validation failures point at the right line like every other error:
    ///
    /// ```swift
    /// guard Self.kinds.contains(type) else {
    ///     throw YAMLError.invalidValue("unknown provider type '\(type)'", in: try container.superDecoder(forKey: .type))
    /// }
    /// ```
    ///
    /// With a decoder that is not the YAML decoder, the error carries the coding path and no mark.
    package static func invalidValue(_ message: String, in decoder: any Decoder) -> YAMLError {
        if let decoder = decoder as? YAMLNodeDecoder {
            return YAMLError(
                file: decoder.session.file,
                mark: decoder.node.mark,
                path: decoder.path.description,
                message: message
            )
        }
        return YAMLError(file: "", mark: nil, path: YAMLPath(codingPath: decoder.codingPath).description, message: message)
    }
}
