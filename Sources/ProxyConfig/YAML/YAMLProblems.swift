/// Every problem found in a config document (and the profile files it uses), so one run of `check` or
/// start-up lists them all instead of stopping at the first.
///
/// `description` is the single problem as ``YAMLError`` renders it, or a count followed by one problem a
/// line, in document order:
///
/// ```
/// 2 problems:
/// config.yaml:2:9: expected an integer, found 'abc' (at server.port)
/// config.yaml:7:5: unknown key 'bse_url'; did you mean 'base_url'? (at providers.openai.bse_url)
/// ```
package struct YAMLProblems: Error, Sendable, Equatable, CustomStringConvertible {
    private var found: [YAMLError]

    /// These problems, in any order (`errors` sorts them).
    package init(_ errors: [YAMLError] = []) {
        found = errors
    }

    /// The problems file by file (in the order the files first come up), each file's by line and column.
    package var errors: [YAMLError] {
        var fileRank: [String: Int] = [:]
        for error in found where fileRank[error.file] == nil { fileRank[error.file] = fileRank.count }
        let unknown = YAMLMark(line: .max, column: .max)
        return found.enumerated().sorted { first, second in
            let a = (fileRank[first.element.file] ?? 0, first.element.mark ?? unknown, first.offset)
            let b = (fileRank[second.element.file] ?? 0, second.element.mark ?? unknown, second.offset)
            return (a.0, a.1.line, a.1.column, a.2) < (b.0, b.1.line, b.1.column, b.2)
        }.map(\.element)
    }

    /// How many problems there are.
    package var count: Int { found.count }
    /// Whether there is none.
    package var isEmpty: Bool { found.isEmpty }

    mutating func append(_ error: YAMLError) {
        found.append(error)
    }

    mutating func append(contentsOf other: YAMLProblems) {
        found += other.found
    }

    /// `body`'s value, or nil with its error kept here, so the caller goes on to its next check.
    mutating func check<T>(_ body: () throws(YAMLError) -> T) -> T? {
        do {
            return try body()
        } catch {
            found.append(error)
            return nil
        }
    }

    /// Throws these problems when there are any.
    func throwIfAny() throws(YAMLProblems) {
        guard isEmpty else { throw self }
    }

    package var description: String {
        let lines = errors.map(\.description)
        return lines.count == 1 ? lines[0] : "\(lines.count) problems:\n" + lines.joined(separator: "\n")
    }
}
