import CurlHTTP
import ProxyCore
import Synchronization

/// A provider's key that the proxy obtains and renews (a `token_command`'s output, a Google service
/// account's access token): fetched when a request needs it and none is fresh, one fetch at a time for every
/// request waiting, dropped when the upstream refuses it (a 401) so the next request fetches anew. A token
/// never reaches a log.
final class RenewedToken: Sendable {
    /// Fetches a token (with the proxy's HTTP client, where it asks a server) and says how long to use it;
    /// an `AnthropicError` (a 401 naming the provider) when there is none to be had.
    typealias Fetch = @Sendable (CurlHTTPClient) async throws -> (token: String, lifetime: Duration)

    private struct State {
        var token: String?
        var expires = ContinuousClock.Instant.now
        var running: Task<String, any Error>?
    }

    private let provider: String
    private let fetch: Fetch
    private let state = Mutex(State())

    init(provider: String, fetch: @escaping Fetch) {
        self.provider = provider
        self.fetch = fetch
    }

    /// A fresh token.
    func value(client: CurlHTTPClient) async throws(AnthropicError) -> String {
        let now = ContinuousClock.now
        let running: Task<String, any Error> = state.withLock { state in
            if let token = state.token, state.expires > now { return Task { token } }
            if let running = state.running { return running }
            let running = Task { try await self.renew(client) }
            state.running = running
            return running
        }
        do {
            return try await running.value
        } catch let error as AnthropicError {
            throw error
        } catch {
            throw AnthropicError(.authentication, "provider '\(provider)' could not get a token: \(error)")
        }
    }

    /// Drops the token (the upstream refused it).
    func invalidate() {
        state.withLock { $0.token = nil }
    }

    private func renew(_ client: CurlHTTPClient) async throws -> String {
        defer { state.withLock { $0.running = nil } }
        let (token, lifetime) = try await fetch(client)
        state.withLock { state in
            state.token = token
            state.expires = .now + lifetime
        }
        return token
    }
}
