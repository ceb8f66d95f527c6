import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

/// Parallel tool calls whose fragments arrive interleaved across indexes: each call
/// reaches the client as one block, in the order the calls first appear, with its whole input.
@Suite("Interleaved tool-call fragments")
struct ToolCallInterleavingTests {
    typealias C = UpstreamChunk

    @Test("heads of calls 0 and 1 first, then their fragments alternately: both inputs arrive whole")
    func alternatingFragments() {
        let run = StreamHarness.run([
            C.role(),
            C.toolCall(index: 0, id: "call_a", name: "Read", arguments: ""),
            C.toolCall(index: 1, id: "call_b", name: "Glob", arguments: ""),
            C.toolCall(index: 0, arguments: #"{"file_"#),
            C.toolCall(index: 1, arguments: #"{"patt"#),
            C.toolCall(index: 0, arguments: #"path":"a.txt""#),
            C.toolCall(index: 1, arguments: #"ern":"*.swift""#),
            C.toolCall(index: 0, arguments: "}"),
            C.toolCall(index: 1, arguments: "}"),
            C.finish("tool_calls"),
        ])
        #expect(run.error == nil)
        #expect(StreamGrammar.violations(in: run.events) == [])
        #expect(run.blockStarts == [.toolUse(id: "call_a", name: "Read"), .toolUse(id: "call_b", name: "Glob")])
        #expect(run.toolInputs == [#"{"file_path":"a.txt"}"#, #"{"pattern":"*.swift"}"#])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test("the first call streams as it arrives; a later call opens once the first is whole")
    func firstCallStreams() {
        let run = StreamHarness.run([
            C.toolCall(index: 0, id: "call_a", name: "Read", arguments: #"{"file_path":"#),
            C.toolCall(index: 1, id: "call_b", name: "Read", arguments: #"{"file_path":"b"}"#),
            C.toolCall(index: 0, arguments: #""a"}"#),
            C.toolCall(index: 0, arguments: " "),
            C.finish("tool_calls"),
        ])
        let inputs = run.events.compactMap { event -> String? in
            if case .contentBlockDelta(_, .inputJSON(let json)) = event { return json } else { return nil }
        }
        #expect(inputs == [#"{"file_path":"#, #""a"}"#, #"{"file_path":"b"}"#])
        #expect(StreamGrammar.violations(in: run.events) == [])
    }

    @Test("a stream cut while a held call is incomplete is an error; cut after all calls are whole it is tool_use")
    func cutWithHeldCall() {
        let heads = [
            C.toolCall(index: 0, id: "call_a", name: "Read", arguments: #"{"file_path":"a"}"#),
            C.toolCall(index: 1, id: "call_b", name: "Read", arguments: #"{"file_path":"#),
        ]
        let cut = StreamHarness.run(heads, done: false)
        #expect(cut.error != nil)
        #expect(StreamGrammar.violations(in: cut.events, complete: false) == [])
        let whole = StreamHarness.run(heads + [C.toolCall(index: 1, arguments: #""b"}"#)], done: false)
        #expect(whole.error == nil)
        #expect(whole.toolInputs == [#"{"file_path":"a"}"#, #"{"file_path":"b"}"#])
        #expect(whole.messageDelta?.stopReason == .toolUse)
    }

    @Test("300 random interleavings of 1–4 calls, with random SSE splits, keep every call whole")
    func randomInterleavings() {
        for seed in UInt64(1)...300 {
            var random = SplitMix64(seed: seed)
            let scenario = Scenario(using: &random)
            let bytes = UpstreamChunk.sse(scenario.payloads)
            let run = StreamHarness.run(bytes, splitAt: Int.random(in: 0...bytes.count, using: &random))
            let problems = scenario.problems(in: run)
            #expect(problems.isEmpty, "seed \(seed): \(problems)\n\(scenario.payloads.joined(separator: "\n"))")
        }
    }
}

/// One random upstream answer: optional text, then 1–4 tool calls whose fragments are interleaved at
/// random, each call's own fragments in order. Calls get their upstream index in the order they first
/// appear, the way an upstream numbers them.
private struct Scenario {
    struct Call {
        var id: String
        var name: String
        var arguments: JSONValue
        var fragments: [String]
        /// The head (index, id, name) comes in its own chunk before the first fragment.
        var separateHead: Bool
    }

    var text: String?
    var calls: [Call] = []
    var payloads: [String] = []

    init(using random: inout SplitMix64) {
        if Bool.random(using: &random) { text = "Let me look at " + Self.word(using: &random) + "." }
        let names = ["Read", "Glob", "Grep", "Bash", "Edit"]
        for number in 0..<Int.random(in: 1...4, using: &random) {
            let arguments = Self.object(depth: 0, using: &random)
            calls.append(
                Call(
                    id: "call_\(number)", name: names.randomElement(using: &random)!, arguments: arguments,
                    fragments: Self.split(arguments.serializedString(), using: &random), separateHead: Bool.random(using: &random)))
        }
        var next = calls.map { _ in 0 }  // per call: the next fragment, -1 for the head
        for position in calls.indices where calls[position].separateHead { next[position] = -1 }
        var appeared: [Int: Int] = [:]  // call → upstream index
        payloads.append(UpstreamChunk.role())
        if let text { payloads.append(UpstreamChunk.text(text)) }
        while let position = next.indices.filter({ next[$0] < calls[$0].fragments.count }).randomElement(using: &random) {
            let call = calls[position]
            let index = appeared[position] ?? appeared.count
            let first = appeared[position] == nil
            appeared[position] = index
            if next[position] == -1 {
                payloads.append(UpstreamChunk.toolCall(index: index, id: call.id, name: call.name, arguments: ""))
            } else if first {
                payloads.append(
                    UpstreamChunk.toolCall(index: index, id: call.id, name: call.name, arguments: call.fragments[next[position]]))
            } else {
                payloads.append(UpstreamChunk.toolCall(index: index, arguments: call.fragments[next[position]]))
            }
            next[position] += 1
        }
        payloads.append(UpstreamChunk.finish("tool_calls"))
        calls = appeared.sorted { $0.value < $1.value }.map { calls[$0.key] }  // every call appears: it has a fragment
    }

    /// What is wrong with the run, one line per problem.
    func problems(in run: AnswerStreamRun) -> [String] {
        var problems = StreamGrammar.violations(in: run.events)
        if let error = run.error { problems.append("error \(error)") }
        let expectedStarts: [StreamEvent.BlockStart] = (text == nil ? [] : [.text]) + calls.map { .toolUse(id: $0.id, name: $0.name) }
        if run.blockStarts != expectedStarts { problems.append("blocks \(run.blockStarts), expected \(expectedStarts)") }
        for (call, input) in zip(calls, run.toolInputs) where (try? JSONParser.parse(input)) != call.arguments {
            problems.append("\(call.id) input \(input), expected \(call.arguments.serializedString())")
        }
        if run.text != (text ?? "") { problems.append("text \(run.text)") }
        if run.messageDelta?.stopReason != .toolUse { problems.append("stop_reason \(String(describing: run.messageDelta?.stopReason))") }
        return problems
    }

    /// A JSON object of 0–3 members: strings (with quotes, escapes, braces and non-ASCII), numbers,
    /// booleans, null, arrays and nested objects.
    private static func object(depth: Int, using random: inout SplitMix64) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        for number in 0..<Int.random(in: 0...3, using: &random) {
            members.append(("\(word(using: &random))_\(number)", value(depth: depth, using: &random)))
        }
        return .object(members)
    }

    private static func value(depth: Int, using random: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<(depth < 2 ? 7 : 5), using: &random) {
        case 0: return .string(word(using: &random))
        case 1: return .string(#"a "quoted" {brace} [x], back\slash, naïve ✓"#)
        case 2: return .integer(Int64.random(in: -1000...1000, using: &random))
        case 3: return .bool(Bool.random(using: &random))
        case 4: return .null
        case 5: return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth: depth + 1, using: &random) })
        default: return object(depth: depth + 1, using: &random)
        }
    }

    private static func word(using random: inout SplitMix64) -> String {
        ["path", "a.txt", "Sources", "*.swift", "ls -la", "TODO", "x"].randomElement(using: &random)!
    }

    /// `text` cut at random character boundaries into 1–6 fragments (empty ones included sometimes).
    private static func split(_ text: String, using random: inout SplitMix64) -> [String] {
        let characters = Array(text)
        var cuts = (0..<Int.random(in: 0...5, using: &random)).map { _ in Int.random(in: 0...characters.count, using: &random) }
        cuts.sort()
        var fragments: [String] = []
        var start = 0
        for cut in cuts + [characters.count] {
            fragments.append(String(characters[start..<cut]))
            start = cut
        }
        return fragments
    }
}

/// A small seeded generator (SplitMix64), so a failing case replays from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
