import CurlHTTP
import Logging
import ProxyCore
import Synchronization

/// One request's call to one target: the adapter's prepared request until it is sent, and the reader of
/// the answer for as long as the response lasts.
///
/// A class, so the async functions that hold it while a stream lasts keep a pointer in their frames. It
/// keeps only what the answer needs: the client's request (often 100 KB and more as a tree) and the
/// upstream body are released once the request is sent, not when a stream ends.
final class UpstreamCall: Sendable {
    /// The model the client asked for.
    let clientModel: String
    let providerName: String
    let upstreamModel: String
    /// `provider/model`, as logged and returned in `x-proxy-route`.
    let routeLabel: String
    /// The short hash of the provider key this call is sent with (`KeyPool.keyIDs`).
    let keyID: String
    let estimatedInputTokens: Int
    let answer: any UpstreamAnswer
    /// Taken by `send`.
    private let unsentRequest: Mutex<HTTPClientRequest?>

    /// Asks the adapter for the call; kept out of line so its temporaries never land in an async frame.
    @inline(never)
    init(
        request: MessagesRequest, target: RouteTarget, adapter: any ProviderAdapter, key: String?, keyID: String,
        estimatedInputTokens: Int, settings: ProxySettings
    ) throws(AnthropicError) {
        let context = CallContext(
            provider: target.provider.name, apiKey: key, upstreamModel: target.upstreamModel,
            maxTokens: settings.tokens.upstreamMaxTokens(
                requested: request.maxTokens, modelCap: target.metadata.maxOutputTokens,
                anthropicNative: type(of: adapter).takesAnthropicMaxTokens),
            estimatedInputTokens: estimatedInputTokens, estimatesUsage: settings.tokens.enableTokenEstimation
        )
        let prepared = try adapter.prepareCall(for: request, context: context)
        self.clientModel = request.model
        self.providerName = target.provider.name
        self.upstreamModel = target.upstreamModel
        self.routeLabel = target.label
        self.keyID = keyID
        self.estimatedInputTokens = estimatedInputTokens
        self.answer = prepared.answer
        self.unsentRequest = Mutex(
            HTTPClientRequest(
                prepared.request, provider: target.provider, server: settings.server,
                receiveBufferSize: request.stream ? Self.streamReceiveBuffer : nil))
    }

    /// libcurl's receive buffer for a streamed answer, held as long as the stream: its events are small.
    static let streamReceiveBuffer = 4096

    /// Sends the request; returns the response once its head arrived with a success status. A failure
    /// status is the adapter's error for it; a transport failure an `UpstreamTransportError`. Either way
    /// `metrics` counts the call under its key.
    func send(with client: CurlHTTPClient, metrics: ProxyMetrics) async throws -> HTTPClientResponse {
        guard let request = unsentRequest.withLock({ $0.take() }) else {
            throw AnthropicError(.api, "internal error: the request to provider '\(providerName)' was already sent")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch let error as HTTPClientError {
            metrics.upstreamKeyAnswered(provider: providerName, key: keyID, status: "transport")
            throw UpstreamTransportError(provider: providerName, failure: error)
        }
        metrics.upstreamKeyAnswered(provider: providerName, key: keyID, status: String(response.status))
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? []
            throw refusal(response, body: body)
        }
        return response
    }

    /// The adapter's error for a failure status. Out of line, as `init`.
    @inline(never)
    private func refusal(_ response: HTTPClientResponse, body: [UInt8]) -> AnthropicError {
        let headers = response.headers.map { HTTPHeader($0.name, $0.value) }
        return answer.error(status: response.status, headers: headers, body: body)
            ?? UpstreamErrorMapping.error(status: response.status, headers: headers, body: body, provider: providerName)
    }

    /// The whole response body; a transport failure meanwhile is an `UpstreamTransportError`.
    func collect(_ response: HTTPClientResponse) async throws -> [UInt8] {
        do {
            return try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch let error as HTTPClientError {
            throw UpstreamTransportError(provider: providerName, failure: error)
        }
    }
}
