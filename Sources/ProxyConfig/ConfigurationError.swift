/// A setting that cannot be used, said in one line the user can act on (never a stack trace).
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}
