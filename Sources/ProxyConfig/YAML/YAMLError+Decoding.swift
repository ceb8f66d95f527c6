extension KeyedDecodingContainer {
    /// A validation error pointing at the value of `key` (at the mapping itself when the key is absent),
    /// for config types that check a field after decoding it:
    ///
    /// ```swift
    /// guard port > 0 else { throw container.yamlError("expected a port between 1 and 65535", forKey: .port) }
    /// ```
    package func yamlError(_ message: String, forKey key: Key) -> YAMLError {
        guard let decoder = try? superDecoder(forKey: key) else {
            return YAMLError(file: "", mark: nil, path: YAMLPath(codingPath: codingPath + [key]).description, message: message)
        }
        return YAMLError.invalidValue(message, in: decoder)
    }
}
