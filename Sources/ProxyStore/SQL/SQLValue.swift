/// A value bound into or read out of the store's SQL, in the types PostgreSQL and SQLite share.
package enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// `.integer`, or `.null` for nil.
    package static func integer(_ value: Int?) -> SQLValue {
        value.map { .integer(Int64($0)) } ?? .null
    }

    /// `.integer`, or `.null` for nil.
    package static func integer(_ value: Int64?) -> SQLValue {
        value.map { .integer($0) } ?? .null
    }

    /// `.text`, or `.null` for nil.
    package static func text(_ value: String?) -> SQLValue {
        value.map { .text($0) } ?? .null
    }

    /// `.real`, or `.null` for nil.
    package static func real(_ value: Double?) -> SQLValue {
        value.map { .real($0) } ?? .null
    }
}

/// One result row, its columns in the order the statement selected them.
package struct SQLRow: Sendable, Equatable {
    package var values: [SQLValue]

    package init(_ values: [SQLValue]) {
        self.values = values
    }

    /// The column as an integer (a whole real counts); nil for NULL or another type.
    package func int(_ column: Int) -> Int64? {
        switch values[column] {
        case .integer(let value): return value
        case .real(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The column as a number; nil for NULL or text.
    package func double(_ column: Int) -> Double? {
        switch values[column] {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        default: return nil
        }
    }

    /// The column as text; nil for NULL or a number.
    package func text(_ column: Int) -> String? {
        if case .text(let value) = values[column] { return value }
        return nil
    }
}
