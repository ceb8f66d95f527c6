/// `${VAR}` substitution on scalar values of the parsed tree, never on the raw text, so a variable's
/// value can never change the document's structure (a value holding `: ` or a newline stays one string).
///
/// Syntax: `${VAR}` is the variable's value; `${VAR:-default}` uses `default` when VAR is unset or empty;
/// `$$` is a literal `$`. A `$` followed by anything else is kept as is (`$HOME` is not substituted).
/// VAR is `[A-Za-z_][A-Za-z0-9_]*`. A variable that is unset or empty and has no default becomes the empty
/// string and its name is recorded, so the caller can decide whether it matters.
package struct YAMLEnvironment: Sendable {
    package var variables: [String: String]

    package init(_ variables: [String: String]) {
        self.variables = variables
    }

    /// The outcome of substituting one scalar.
    package struct Substitution: Sendable, Equatable {
        package var text: String
        /// Variables that were unset or empty and had no default, in order of first use.
        package var missingVariables: [String]
    }

    /// What went wrong in a substitution; the parser adds the file and the scalar's mark.
    package struct SyntaxError: Error, Sendable, Equatable {
        package var message: String
    }

    /// Substitutes every reference in `text`.
    package func substitute(_ text: String) throws(SyntaxError) -> Substitution {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return Substitution(text: text, missingVariables: []) }
        var output = ""
        var missing: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            guard text[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            let bodyStart = text.index(after: next)
            guard let close = text[bodyStart...].firstIndex(of: "}") else {
                throw SyntaxError(message: "unterminated '${' in '\(text)': expected '}' after the variable name")
            }
            let body = text[bodyStart..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = body.firstRange(of: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            } else {
                name = body
                fallback = nil
            }
            guard Self.isVariableName(name) else {
                throw SyntaxError(
                    message: "invalid variable reference '${\(body)}': expected '${NAME}' or '${NAME:-default}'"
                        + " with NAME made of letters, digits and '_' (write '$$' for a literal '$')"
                )
            }
            let value = variables[String(name)] ?? ""
            if !value.isEmpty {
                output += value
            } else if let fallback {
                output += fallback
            } else if !missing.contains(String(name)) {
                missing.append(String(name))
            }
            index = text.index(after: close)
        }
        return Substitution(text: output, missingVariables: missing)
    }

    private static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetter || ("0"..."9").contains($0) }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
