import ProxyCore
import Subprocess
import Synchronization
import SystemPackage

/// A provider's key from its `token_command`: the command's standard output, trimmed, used for
/// `token_lifetime` (`RenewedToken` renews it).
enum TokenCommand {
    /// The longest a command may run; it is then killed, and the request fails.
    static let timeout: Duration = .seconds(30)

    /// The token source of a provider with a `token_command`.
    static func source(for provider: ProviderSettings) -> RenewedToken.Fetch {
        { _ in (try await run(provider), provider.tokenLifetime) }
    }

    /// What a finished command printed.
    private struct Finished: Sendable {
        var succeeded: Bool
        var status: String
        var output: String
        var error: String
    }

    private static func run(_ provider: ProviderSettings) async throws -> String {
        let command = provider.tokenCommand ?? ""
        let finished = try await withThrowingTaskGroup(of: Finished?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath("/bin/sh")), arguments: ["-c", command], output: .string(limit: 1 << 16), error: .string(limit: 1 << 12))
                return Finished(
                    succeeded: result.terminationStatus.isSuccess, status: "\(result.terminationStatus)",
                    output: result.standardOutput, error: result.standardError)
            }
            group.addTask {
                try await Task.sleep(for: Self.timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let finished else { throw failure(provider, "token_command did not finish in \(Self.timeout)") }
        let token = finished.output.trimmingWhitespace()
        guard finished.succeeded, !token.isEmpty else {
            let detail = finished.error.split(separator: "\n").first.map { ": \($0)" } ?? ""
            throw failure(provider, "token_command failed (\(finished.status))\(detail)")
        }
        return token
    }

    private static func failure(_ provider: ProviderSettings, _ problem: String) -> AnthropicError {
        AnthropicError(.authentication, "provider '\(provider.name)' \(problem)")
    }
}
