/// A 1-based line and column in a YAML source, so every config error can point at the text to fix.
///
/// libyaml reports 0-based marks; the parser converts them once, here in Swift, so nothing above it
/// ever has to remember which convention a number uses.
package struct YAMLMark: Sendable, Hashable, CustomStringConvertible {
    /// The line, counting from 1.
    package var line: Int
    /// The column in characters (Unicode scalars), counting from 1.
    package var column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `LINE:COL`, the form editors and compilers use.
    package var description: String { "\(line):\(column)" }
}
