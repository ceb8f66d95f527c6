/// What a managed key used lately, as its limits are checked: requests and tokens in the current and the
/// previous minute (Unix time / 60 s), and its spend in the current budget period.
package struct KeyCounts: Sendable, Equatable {
    package var minute: Int64
    package var requests: Int64
    package var tokens: Int64
    package var previousRequests: Int64
    package var previousTokens: Int64
    package var spend: Double

    package init(
        minute: Int64, requests: Int64 = 0, tokens: Int64 = 0, previousRequests: Int64 = 0, previousTokens: Int64 = 0, spend: Double = 0
    ) {
        self.minute = minute
        self.requests = requests
        self.tokens = tokens
        self.previousRequests = previousRequests
        self.previousTokens = previousTokens
        self.spend = spend
    }

    /// The minute holding `milliseconds`.
    package static func minute(of milliseconds: Int64) -> Int64 {
        milliseconds / 60_000
    }
}
