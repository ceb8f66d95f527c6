import Testing

@testable import ProxyCore

@Suite("Anthropic-style ids")
struct AnthropicIDTests {
    /// Ids made at once from several tasks are all distinct, and each is the prefix plus 24 base62
    /// characters, spread over the whole alphabet.
    @Test func idsAreDistinctAndWellFormed() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<5_000).map { _ in AnthropicID.make(prefix: "msg_") } } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let alphabet = Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        #expect(Set(ids).count == 20_000)
        #expect(ids.allSatisfy { $0.hasPrefix("msg_") && $0.count == 28 && $0.dropFirst(4).allSatisfy(alphabet.contains) })
        #expect(Set(ids.flatMap { $0.dropFirst(4) }) == alphabet)
    }
}
