import ProxyCore
import Subprocess
import Synchronization
import SystemPackage

/// A provider's key from its `token_command`: the command's standard output, trimmed, used for
/// `token_lifetime`, then fetched again. One run at a time serves every request waiting for it; an upstream
/// 401 drops the token, so the next request runs the command again. A token never reaches a log.
final class CommandToken: Sendable {
    private struct State {
        var adapter: (any ProviderAdapter)?
        var expires = ContinuousClock.Instant.now
        var running: Task<any ProviderAdapter, any Error>?
    }

    /// The longest a command may run; it is then killed, and the request fails.
    static let timeout: Duration = .seconds(30)

    private let provider: ProviderSettings
    private let registry: AdapterRegistry
    private let state = Mutex(State())

    init(provider: ProviderSettings, registry: AdapterRegistry) {
        self.provider = provider
        self.registry = registry
    }

    /// The provider's adapter with a fresh token; runs the command when there is none.
    func adapter() async throws(AnthropicError) -> any ProviderAdapter {
        let now = ContinuousClock.now
        let running: Task<any ProviderAdapter, any Error> = state.withLock { state in
            if let adapter = state.adapter, state.expires > now { return Task { adapter } }
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
        state.withLock { $0.adapter = nil }
    }

    private func fetch() async throws -> any ProviderAdapter {
        defer { state.withLock { $0.running = nil } }
        let token = try await run()
        var settings = provider
        settings.apiKey = token
        guard let adapter = registry.adapter(for: settings) else { throw failure("has no adapter") }
        state.withLock { state in
            state.adapter = adapter
            state.expires = .now + provider.tokenLifetime
        }
        return adapter
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
