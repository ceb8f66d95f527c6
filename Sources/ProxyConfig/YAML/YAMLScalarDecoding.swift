/// Reading the node of a decoder as a Swift scalar type, with messages that say what was expected and
/// what was found.
extension YAMLNodeDecoder {
    func decodeString() throws(YAMLError) -> String {
        try scalar(expected: "a string").text
    }

    func decodeBool() throws(YAMLError) -> Bool {
        let scalar = try scalar(expected: "a boolean (true or false)")
        guard let value = scalar.boolValue else { throw error("expected a boolean (true or false), found \(node.kindDescription)") }
        return value
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws(YAMLError) -> T {
        let scalar = try scalar(expected: "an integer")
        if let value = scalar.integerValue {
            guard let exact = T(exactly: value) else { throw outOfRange(type) }
            return exact
        }
        if let value = scalar.unsignedIntegerValue {
            guard let exact = T(exactly: value) else { throw outOfRange(type) }
            return exact
        }
        throw error("expected an integer, found \(node.kindDescription)")
    }

    func decodeDouble() throws(YAMLError) -> Double {
        let scalar = try scalar(expected: "a number")
        guard let value = scalar.doubleValue else { throw error("expected a number, found \(node.kindDescription)") }
        return value
    }

    func decodeFloat() throws(YAMLError) -> Float {
        let value = try decodeDouble()
        guard value.isNaN || value.isInfinite || abs(value) <= Double(Float.greatestFiniteMagnitude) else {
            throw error("expected a number that fits in a Float, found \(node.kindDescription)")
        }
        return Float(value)
    }

    var isNull: Bool { node.scalar?.isNull ?? false }

    private func scalar(expected: String) throws(YAMLError) -> YAMLScalar {
        guard let scalar = node.scalar, !scalar.isNull else {
            throw error("expected \(expected), found \(node.kindDescription)")
        }
        return scalar
    }

    private func outOfRange<T: FixedWidthInteger>(_ type: T.Type) -> YAMLError {
        error("expected an integer between \(T.min) and \(T.max), found \(node.kindDescription)")
    }
}
