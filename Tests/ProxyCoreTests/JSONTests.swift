import Testing

@testable import ProxyCore

@Suite("JSON parser and writer")
struct JSONTests {
    @Test(
        "a compact document round-trips byte for byte, key order included",
        arguments: [
            #"{"z":1,"a":2,"m":{"y":[true,false,null],"b":"x"}}"#,
            #"{"model":"gpt-5","messages":[{"role":"system","content":"hi"}],"max_completion_tokens":32000,"stream":true}"#,
            #"[]"#,
            #"{}"#,
            #"[{},[],"",0,-1,1.5]"#,
            #"{"text":"caf\u00e9 ☕ 日本語 😀"}"#.replacing(#"\u00e9"#, with: "é"),
        ]
    )
    func roundTrip(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(value.serializedString() == text)
    }

    @Test(
        "escapes decode to the characters they name",
        arguments: [
            (#""a\"b""#, "a\"b"),
            (#""a\\b""#, "a\\b"),
            (#""a\/b""#, "a/b"),
            (#""\b\f\n\r\t""#, "\u{08}\u{0C}\n\r\t"),
            (
                #""first line is long\nsecond line is longer still\t\"quoted\" and é après""#,
                "first line is long\nsecond line is longer still\t\"quoted\" and é après"
            ),
            (#""\u0041\u00e9\u4e2d""#, "Aé中"),
            (#""\u0001""#, "\u{01}"),
        ]
    )
    func escapes(json: String, expected: String) throws {
        #expect(try JSONParser.parse(json) == .string(expected))
    }

    @Test(
        "the writer escapes quotes, backslashes and control characters",
        arguments: [
            ("a\"b", #""a\"b""#),
            ("a\\b", #""a\\b""#),
            ("line\nnext\ttab\rcr", #""line\nnext\ttab\rcr""#),
            ("\u{01}\u{1F}", #""\u0001\u001f""#),
            ("é/😀", "\"é/😀\""),
            ("\"", #""\"""#),
            ("naïve \"quote\"\n", #""naïve \"quote\"\n""#),
        ]
    )
    func writerEscapes(text: String, expected: String) {
        #expect(JSONValue.string(text).serializedString() == expected)
    }

    @Test("strings decode the same whatever the position of an escape, a multi-byte or a bad byte in them")
    func stringsAtEveryPosition() throws {
        for length in 0..<20 {
            for position in 0...length {
                let before = String(repeating: "a", count: position)
                let after = String(repeating: "b", count: length - position)
                for (raw, text) in [(#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), ("é", "é"), ("日", "日"), ("", "")] {
                    let document = "\"" + before + raw + after + "\""
                    #expect(try JSONParser.parse(document).stringValue == before + text + after, "\(document)")
                }
                for bad: [UInt8] in [[0x01], [0x1F], [0xFF], [0xC3], [0xE6, 0x97]] {
                    let document = [0x22] + Array(before.utf8) + bad + Array(after.utf8) + [0x22]
                    #expect(throws: JSONParseError.self, "\(document)") { try JSONParser.parse(document) }
                }
            }
        }
    }

    @Test(
        "raw bytes in a string must be valid UTF-8, with or without escapes beside them",
        arguments: [
            ([0x22, 0x61, 0xFF, 0x62, 0x22], nil),
            ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], nil),
            ([0x22, 0xC3, 0xA9, 0x22], "é"),
            ([0x22, 0x5C, 0x74, 0xC3, 0xA9, 0x22], "\té"),
        ] as [([UInt8], String?)]
    )
    func stringsAreValidated(bytes: [UInt8], expected: String?) {
        let parsed = try? JSONParser.parse(bytes)
        #expect(parsed?.stringValue == expected)
        if expected == nil {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test(
        "a lone UTF-16 surrogate becomes U+FFFD instead of failing the document",
        arguments: [
            (#""\ud83d""#, "\u{FFFD}"),
            (#""x\ud83dy""#, "x\u{FFFD}y"),
            (#""\ud83d\u0041""#, "\u{FFFD}A"),
            (#""\ude00""#, "\u{FFFD}"),
            (#""\ud83d\ud83d""#, "\u{FFFD}\u{FFFD}"),
        ]
    )
    func loneSurrogate(json: String, expected: String) throws {
        #expect(try JSONParser.parse(json) == .string(expected))
    }

    @Test("a valid surrogate pair decodes to one scalar")
    func surrogatePair() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test("128 nested arrays are accepted")
    func depthLimitAccepted() throws {
        let depth = JSONParser.maximumDepth
        #expect(depth == 128)
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try JSONParser.parse(text).serializedString() == text)
    }

    @Test("129 nested arrays are rejected with an error")
    func depthLimitRejected() {
        let text = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("129 nested objects are rejected with an error")
    func depthLimitRejectedObjects() {
        let text = String(repeating: #"{"a":"#, count: 129) + "1" + String(repeating: "}", count: 129)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test(
        "malformed documents are rejected",
        arguments: [
            #"{"a":1} x"#, "[1]]", "1 2", "[1,]", #"{"a":1,}"#, "// c\n{}", "", "   ", "[1", #"{"a"}"#, #""abc"#,
            #""\x""#, #""\u12""#, "tru", "nul", "01", "1.", "-", "+1", ".5", "1e", "\"a\u{01}b\"", "NaN",
        ]
    )
    func rejectsMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test(
        "numbers: integers stay integers, the rest are doubles",
        arguments: [
            ("0", JSONValue.integer(0)),
            ("42", .integer(42)),
            ("-7", .integer(-7)),
            ("9223372036854775807", .integer(Int64.max)),
            ("-9223372036854775808", .integer(Int64.min)),
            ("1.5", .double(1.5)),
            ("-0.25", .double(-0.25)),
            ("1e3", .double(1000)),
            ("1.5E-2", .double(0.015)),
            ("2e+2", .double(200)),
        ]
    )
    func numbers(text: String, expected: JSONValue) throws {
        let value = try JSONParser.parse(text)
        switch (value, expected) {
        case (.integer(let a), .integer(let b)): #expect(a == b)
        case (.double(let a), .double(let b)): #expect(a == b)
        default: Issue.record("\(text) parsed as \(value), expected \(expected)")
        }
    }

    @Test("an integer beyond Int64 becomes a double instead of failing")
    func integerOverflow() throws {
        let value = try JSONParser.parse("9223372036854775808")
        guard case .double(let double) = value else {
            Issue.record("expected a double, got \(value)")
            return
        }
        #expect(double == 9_223_372_036_854_775_808.0)
    }

    @Test("whitespace around the value and between tokens is allowed")
    func whitespace() throws {
        let value = try JSONParser.parse(" \n\t{ \"a\" :\r\n [ 1 , 2 ] } \n")
        #expect(value.serializedString() == #"{"a":[1,2]}"#)
    }

    @Test("subscripts and typed accessors read what the translator needs")
    func accessors() throws {
        let value = try JSONParser.parse(#"{"s":"x","i":3,"d":2.0,"b":true,"n":null,"a":[1],"o":{"k":1}}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["i"]?.intValue == 3)
        #expect(value["d"]?.intValue == 2)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["a"]?.arrayValue?.count == 1)
        #expect(value["o"]?["k"]?.intValue == 1)
        #expect(value["missing"] == nil)
    }

    @Test("non-finite doubles are written as null, whole doubles without a fraction")
    func writerDoubles() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity), .double(3), .double(0.5)]).serializedString() == "[null,null,3,0.5]")
    }
}
