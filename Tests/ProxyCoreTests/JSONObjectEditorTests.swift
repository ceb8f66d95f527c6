import Testing

@testable import ProxyCore

@Suite("JSONObjectEditor: top-level members edited in the original text")
struct JSONObjectEditorTests {
    static let text =
        #"{ "model" : "a",  "messages":[{"role":"user","content":"x}\"{"}], "k\u0065y": {"n": [1, {"m": "]"}]} ,"last":true }"#

    static func edit(_ text: String, replacing: [String: JSONValue] = [:], removing: Set<String> = []) -> String? {
        JSONObjectEditor(Array(text.utf8)).map { String(decoding: $0.edited(replacing: replacing, removing: removing), as: UTF8.self) }
    }

    @Test("keys are read past strings, escapes and nesting; no change gives the same bytes")
    func keys() throws {
        let editor = try #require(JSONObjectEditor(Array(Self.text.utf8)))
        #expect(editor.keys == ["model", "messages", "key", "last"])
        #expect(editor.valueText(of: "key").map { String(decoding: $0, as: UTF8.self) } == #"{"n": [1, {"m": "]"}]}"#)
        #expect(Self.edit(Self.text) == Self.text)
        #expect(Self.edit(Self.text, replacing: ["absent": 1]) == Self.text)
    }

    @Test(
        "a replaced value is the only change",
        arguments: [
            ("model", JSONValue.string("b"), #"{ "model" : "b",  "messages":"#),
            ("last", JSONValue.integer(7), #","last":7 }"#),
        ])
    func replace(key: String, value: JSONValue, fragment: String) throws {
        let edited = try #require(Self.edit(Self.text, replacing: [key: value]))
        #expect(edited.contains(fragment))
        #expect(edited.utf8.count == Self.text.utf8.count - (key == "model" ? 0 : 3))
        #expect(try JSONParser.parse(edited)[key] == value)
    }

    @Test(
        "removing first, middle, last or every member leaves valid JSON with the others as written",
        arguments: [
            (["model"], #"{ "messages":[{"role":"user","content":"x}\"{"}], "k\u0065y": {"n": [1, {"m": "]"}]} ,"last":true }"#),
            (["key"], #"{ "model" : "a",  "messages":[{"role":"user","content":"x}\"{"}], "last":true }"#),
            (["last"], #"{ "model" : "a",  "messages":[{"role":"user","content":"x}\"{"}], "k\u0065y": {"n": [1, {"m": "]"}]} }"#),
            (["key", "last"], #"{ "model" : "a",  "messages":[{"role":"user","content":"x}\"{"}] }"#),
            (["model", "messages", "key", "last"], #"{  }"#),
        ])
    func remove(keys: [String], expected: String) throws {
        let edited = try #require(Self.edit(Self.text, removing: Set(keys)))
        let parsed = try JSONParser.parse(edited)
        #expect(parsed.objectValue?.map(\.key) == ["model", "messages", "key", "last"].filter { !keys.contains($0) })
        #expect(edited == expected)
    }

    @Test("not an object: no editor", arguments: ["[1]", "\"s\"", "{", ""])
    func notAnObject(text: String) {
        #expect(JSONObjectEditor(Array(text.utf8)) == nil)
    }
}
