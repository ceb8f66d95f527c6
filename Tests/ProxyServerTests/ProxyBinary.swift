import Foundation
import Subprocess
import SystemPackage

/// The `claude-code-proxy` binary a user runs (built next to the test bundle), started through
/// swift-subprocess: Foundation's `Process.run()` on Linux over-reads `/proc/self/fd` entries and now and then
/// crashes a test process that holds many sockets.
enum ProxyBinary {
    static let path = FilePath(
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("claude-code-proxy").path)

    /// The test process's `PATH`, for children that look up other programs.
    static let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
}

extension TerminationStatus {
    /// The status a shell reports: the exit code, or 128 + the signal that ended the process.
    var shellStatus: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }
}
