import CurlHTTP
import Logging
import ProxyCore

/// `count_tokens` answered by the upstream that would serve the request, when its adapter can count
/// (`ProviderAdapter.prepareTokenCount`): the route's first target, with its first ready key and its model.
/// Anything that keeps the count from coming back — an adapter that cannot count, no key, a failure
/// status, a transport error, an answer without a count — leaves the answer to the proxy's estimate.
enum UpstreamTokenCount {
    /// The upstream's count and the target that gave it; nil when the estimate must answer.
    static func count(
        _ request: MessagesRequest, hints: ClaudeCodeHints, snapshot: SettingsSnapshot, client: CurlHTTPClient, logger: Logger
    ) async -> (tokens: Int, target: RouteTarget)? {
        guard
            let (target, countRequest, inputTokens) = await prepare(
                request, hints: hints, snapshot: snapshot, client: client, logger: logger)
        else {
            return nil
        }
        do {
            let response = try await client.execute(countRequest)
            let body = try await response.body.collect(upTo: 1 << 20)
            guard (200..<300).contains(response.status) else {
                logger.info("\(target.label) did not count the prompt (\(response.status)); answering with the proxy's estimate")
                return nil
            }
            guard let tokens = inputTokens(body) else {
                logger.info("\(target.label) answered count_tokens without a count; answering with the proxy's estimate")
                return nil
            }
            return (tokens, target)
        } catch {
            logger.info("\(target.label) could not be asked to count the prompt (\(error)); answering with the proxy's estimate")
            return nil
        }
    }

    /// The count call for the route's first target, ready to send; nil when there is none.
    @inline(never)
    private static func prepare(
        _ request: MessagesRequest, hints: ClaudeCodeHints, snapshot: SettingsSnapshot, client: CurlHTTPClient, logger: Logger
    ) async -> (target: RouteTarget, request: HTTPClientRequest, inputTokens: @Sendable ([UInt8]) -> Int?)? {
        let traits = RequestTraits(request: request, hints: hints)
        guard let target = snapshot.settings.targets(for: traits, catalog: snapshot.catalog).first else { return nil }
        let pool = snapshot.pool(for: target)
        let key: String?
        do throws(AnthropicError) {
            key = try await pool.key(at: snapshot.keyOrder(for: target, session: request.sessionID)[0], client: client)
        } catch {
            logger.info("\(target.label) has no key to count the prompt with (\(error.message))")
            return nil
        }
        let context = CallContext(
            provider: target.provider.name, apiKey: key, upstreamModel: target.upstreamModel, maxTokens: request.maxTokens ?? 0,
            estimatedInputTokens: traits.estimatedPromptTokens)
        let prepared: PreparedTokenCount?
        do throws(AnthropicError) {
            prepared = try pool.adapter.prepareTokenCount(for: request, context: context)
        } catch {
            logger.debug("\(target.label) cannot count the prompt (\(error.message))")
            return nil
        }
        guard let prepared else { return nil }
        let http = HTTPClientRequest(prepared.request, provider: target.provider, server: snapshot.settings.server)
        return (target, http, prepared.inputTokens)
    }
}
