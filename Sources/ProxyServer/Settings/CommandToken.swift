import ProxyCore
import Subprocess
import Synchronization
import SystemPackage

/// A provider's key from its `token_command`: the command's standard output, trimmed, used for
/// `token_lifetime`, then fetched again. One run at a time serves every request waiting for it; an upstream
/// 401 drops the token, so the next request runs the command again. A token never reaches a log.
final class CommandToken: Sendable {
    private struct State {
        var token: String?
        var expires = ContinuousClock.Instant.now
        var running: Task<String, any Error>?
    }

    /// The longest a command may run; it is then killed, and the request fails.
    static let timeout: Duration = .seconds(30)

    private let provider: ProviderSettings
    private let state = Mutex(State())

    init(provider: ProviderSettings) {
        self.provider = provider
    }

    /// A fresh token; runs the command when there is none.
    func value() async throws(AnthropicError) -> String {
        let now = ContinuousClock.now
        let running: Task<String, any Error> = state.withLock { state in
            if let token = state.token, state.expires > now { return Task { token } }
            if let running = state.running { return running }
            let running = Task { try await self.fetch() }
            state.running = running
            return running
        }
        do {
            return try await running.value
        } catch let error as AnthropicError {
            throw error
        } catch {
            throw failure("could not run its token_command: \(error)")
        }
    }

    /// Drops the token (the upstream refused it).
    func invalidate() {
        state.withLock { $0.token = nil }
    }

    private func fetch() async throws -> String {
        defer { state.withLock { $0.running = nil } }
        let token = try await run()
        state.withLock { state in
            state.token = token
            state.expires = .now + provider.tokenLifetime
        }
        return token
    }

    /// What a finished command printed.
    private struct Finished: Sendable {
        var succeeded: Bool
        var status: String
        var output: String
        var error: String
    }

    private func run() async throws -> String {
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
        guard let finished else { throw failure("token_command did not finish in \(Self.timeout)") }
        let token = finished.output.trimmingWhitespace()
        guard finished.succeeded, !token.isEmpty else {
            let detail = finished.error.split(separator: "\n").first.map { ": \($0)" } ?? ""
            throw failure("token_command failed (\(finished.status))\(detail)")
        }
        return token
    }

    private func failure(_ problem: String) -> AnthropicError {
        AnthropicError(.authentication, "provider '\(provider.name)' \(problem)")
    }
}
