import Testing

@testable import ProxyConfig

/// Hostile and broken input must end in a YAMLError with a mark, never a crash or a hang.
@Suite struct YAMLParserRobustnessTests {
    private func parseBytes(_ bytes: [UInt8]) throws -> YAMLNode? {
        try YAMLParser.parse(bytes, file: "config.yaml", environment: [:])
    }

    @Test func invalidUTF8IsAReaderErrorWithAMark() {
        let error = yamlError { try parseBytes(Array("a: 1\nb: ".utf8) + [0xC3, 0x28] + Array("\n".utf8)) }
        #expect(error?.description == "config.yaml:2:5: invalid input: invalid trailing UTF-8 octet (byte 0x28)")
    }

    @Test func nulByteIsRejected() {
        let error = yamlError { try parseBytes(Array("a: x".utf8) + [0] + Array("y\n".utf8)) }
        #expect(error?.description == "config.yaml:1:5: invalid input: control characters are not allowed (byte 0x0)")
    }

    @Test func binaryGarbageIsRejected() {
        let garbage: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE, 0x00, 0x00]
        let error = yamlError { try parseBytes(garbage) }
        #expect(error?.mark != nil)
    }

    @Test func loneColonIsRejected() {
        let error = yamlError { try parseYAML(":\n") }
        #expect(error?.mark == YAMLMark(line: 1, column: 1))
    }

    @Test func tabIndentationIsRejected() {
        let error = yamlError { try parseYAML("server:\n\thost: x\n") }
        #expect(error?.mark?.line == 2)
        #expect(error?.message.hasSuffix("; tabs cannot indent YAML, use spaces") == true)
    }

    @Test func randomBytesAndMutationsOnlyReturnOrThrowYAMLError() {
        let valid = Array(
            """
            server: { host: 0.0.0.0, port: 8082, api_keys: [a, "b"] }
            providers:
              openai: &p
                type: openai
                base_url: ${BASE:-https://x}
                api_key: ${KEY}
              copy: { <<: *p, type: azure }
            models:
              - match: "*haiku*"
                provider: openai
                model: 'gpt-4o-mini'
                note: |
                  block $$ text
            """.utf8)
        let alphabet = Array("[]{}:,-?&*!|>'\"%@`#$\\\t\n ~<.0x".utf8) + [0x00, 0xC3, 0xFF, 0x80]
        var generator = SplitMix64(seed: 0xC0FFEE)
        var outcomes = (values: 0, errors: 0)
        for round in 0..<2_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in
                    round % 4 == 0 ? UInt8.random(in: 0...255, using: &generator) : alphabet.randomElement(using: &generator)!
                }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    let position = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[position] = alphabet.randomElement(using: &generator)!
                    case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                    default: bytes.remove(at: position)
                    }
                }
            }
            do {
                _ = try YAMLParser.parse(bytes, file: "fuzz.yaml", environment: ["KEY": "k"])
                outcomes.values += 1
            } catch {
                outcomes.errors += 1
                #expect(error.file == "fuzz.yaml")
            }
        }
        #expect(outcomes.values > 0)
        #expect(outcomes.errors > 0)
    }
}

/// A tiny deterministic generator so fuzz failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
