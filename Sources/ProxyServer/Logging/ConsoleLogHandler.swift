import Logging
import ProxyCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Log lines in the seed's format, `2025-01-01 10:30:15 - INFO - message`, with metadata such as the
/// request id appended as `[request_id=req_…]`, written to standard error. Configured secrets are
/// replaced in every line, whatever logged them.
package struct ConsoleLogHandler: LogHandler {
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    private let redactor: SecretRedactor
    private let output: @Sendable (String) -> Void

    /// - Parameter output: where finished lines go; standard error unless a test captures them.
    package init(
        label: String, level: Logger.Level, redactor: SecretRedactor = SecretRedactor(secrets: []),
        output: @escaping @Sendable (String) -> Void = ConsoleLogHandler.writeToStandardError
    ) {
        self.logLevel = level
        self.redactor = redactor
        self.output = output
    }

    /// One `write` per line, so lines from concurrent requests never interleave.
    package static func writeToStandardError(_ line: String) {
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line = Self.timestamp() + " - " + event.level.seedName + " - " + event.message.description
        let merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        if !merged.isEmpty {
            line += " [" + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "]"
        }
        output(redactor.redact(line) + "\n")
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Logger.Level {
    /// Python's level names, as the seed printed them.
    var seedName: String {
        switch self {
        case .trace: return "TRACE"
        case .debug: return "DEBUG"
        case .info: return "INFO"
        case .notice: return "NOTICE"
        case .warning: return "WARNING"
        case .error: return "ERROR"
        case .critical: return "CRITICAL"
        }
    }
}
