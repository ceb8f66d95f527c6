import Foundation
import FuzzTargets
import Testing

/// Every input kept under Tests/Fuzz/TARGET/ — seeds, and any crash `make fuzz` ever found (saved there as
/// `crash-…`) — runs through its fuzz target on every test run, so a fixed crash stays fixed.
@Suite("Fuzz inputs replay without crashing")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static let inputs: [String] = FuzzTarget.allCases.flatMap { target in
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(target.rawValue).path)) ?? [])
            .sorted().map { "\(target.rawValue)/\($0)" }
    }

    @Test("each target has seed inputs")
    func seeds() {
        for target in FuzzTarget.allCases {
            #expect(Self.inputs.contains { $0.hasPrefix(target.rawValue + "/") }, "no inputs for \(target.rawValue)")
        }
    }

    @Test("replays", arguments: inputs)
    func replay(input: String) throws {
        let target = try #require(FuzzTarget(rawValue: String(input.split(separator: "/")[0])))
        let bytes = try Data(contentsOf: Self.root.appendingPathComponent(input))
        target.run(Array(bytes))
    }
}
