import Testing

@testable import ProxyConfig

@Suite struct YAMLParserTests {
    @Test func scalarsOfEachKindResolveByTheCoreSchema() throws {
        let root = try parseYAML(
            """
            plain: hello
            quoted: "null"
            single: 'true'
            null1: null
            null2: ~
            null3:
            yes: true
            no: FALSE
            word: yes
            int: 42
            negative: -7
            hex: 0x1F
            octal: 0o17
            float: 3.5e2
            inf: -.inf
            big: 99999999999999999999
            """)
        #expect(root["plain"]?.text == "hello")
        #expect(root["quoted"]?.scalar?.isNull == false)
        #expect(root["quoted"]?.scalar?.style == .doubleQuoted)
        #expect(root["single"]?.scalar?.style == .singleQuoted)
        for key in ["null1", "null2", "null3"] {
            #expect(root[key]?.scalar?.isNull == true, "\(key)")
        }
        #expect(root["yes"]?.scalar?.boolValue == true)
        #expect(root["no"]?.scalar?.boolValue == false)
        #expect(root["word"]?.scalar?.boolValue == nil)
        #expect(root["int"]?.scalar?.integerValue == 42)
        #expect(root["negative"]?.scalar?.integerValue == -7)
        #expect(root["hex"]?.scalar?.integerValue == 31)
        #expect(root["octal"]?.scalar?.integerValue == 15)
        #expect(root["float"]?.scalar?.doubleValue == 350)
        #expect(root["float"]?.scalar?.integerValue == nil)
        #expect(root["inf"]?.scalar?.doubleValue == -.infinity)
        #expect(root["big"]?.scalar?.integerValue == nil)
    }

    @Test func explicitStringTagTurnsOffImplicitTyping() throws {
        let root = try parseYAML("a: !!str 42\nb: !!str\n")
        #expect(root["a"]?.scalar?.tag == "tag:yaml.org,2002:str")
        #expect(root["a"]?.scalar?.integerValue == nil)
        #expect(root["b"]?.scalar?.isNull == false)
    }

    @Test func nestedBlockAndFlowCollectionsKeepOrder() throws {
        let root = try parseYAML(
            """
            server:
              host: 0.0.0.0
              keys: [x, y]
            inline: { a: 1, b: [2, 3] }
            list:
              - one
              - { k: v }
            """)
        guard case .mapping(let entries) = root.value else {
            Issue.record("root is not a mapping")
            return
        }
        #expect(entries.map(\.key) == ["server", "inline", "list"])
        #expect(root["server"]?["keys"]?[1]?.text == "y")
        #expect(root["inline"]?["b"]?[0]?.text == "2")
        #expect(root["list"]?[1]?["k"]?.text == "v")
    }

    @Test func marksAreOneBasedLineAndColumn() throws {
        let root = try parseYAML(
            """
            # comment
            providers:
              openai:
                base_url: https://api.openai.com/v1
            """)
        let openai = try #require(root["providers"]?["openai"])
        #expect(openai.mark == YAMLMark(line: 4, column: 5))
        #expect(openai["base_url"]?.mark == YAMLMark(line: 4, column: 15))
        guard case .mapping(let entries) = openai.value else {
            Issue.record("not a mapping")
            return
        }
        #expect(entries[0].keyMark == YAMLMark(line: 4, column: 5))
        #expect(root.mark.description == "2:1")
    }

    @Test func aliasesExpandToTheAnchoredNode() throws {
        let root = try parseYAML(
            """
            base: &b { type: openai, timeout: 30 }
            copy: *b
            name: &n hello
            names: [*n, *n]
            """)
        #expect(root["copy"] == root["base"])
        #expect(root["names"]?[1]?.text == "hello")
    }

    @Test func mergeKeysMergeWithExplicitKeysWinning() throws {
        let root = try parseYAML(
            """
            defaults: &d { timeout: 30, retries: 2 }
            extra: &e { retries: 5, region: eu }
            one:
              timeout: 10
              <<: *d
            two:
              <<: [*d, *e]
              name: x
            """)
        #expect(root["one"]?["timeout"]?.text == "10")
        #expect(root["one"]?["retries"]?.text == "2")
        guard case .mapping(let two) = root["two"]?.value else {
            Issue.record("not a mapping")
            return
        }
        #expect(two.map(\.key) == ["timeout", "retries", "region", "name"])
        #expect(root["two"]?["retries"]?.text == "2")
    }

    @Test func mergeOfAScalarIsAnError() {
        let error = yamlError { try parseYAML("a:\n  <<: 3\n") }
        #expect(
            error?.description == "config.yaml:2:7: merge key '<<' expects a mapping or a sequence of mappings, found '3' (at a[\"<<\"])")
    }

    @Test func aliasBombIsRejectedQuickly() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let clock = ContinuousClock()
        let start = clock.now
        let error = yamlError { try parseYAML(text) }
        #expect(error?.message == "document expands too much through aliases (more than 100000 nodes)")
        #expect(error?.mark?.line == 6)
        #expect(clock.now - start < .seconds(1))
    }

    @Test func unknownAliasIsAnError() {
        let error = yamlError { try parseYAML("a: *nope\n") }
        #expect(error?.description == "config.yaml:1:4: unknown alias '*nope': no anchor '&nope' is defined before it (at a)")
    }

    @Test func duplicateKeyNamesTheKeyAndBothLines() {
        let error = yamlError {
            try parseYAML(
                """
                server:
                  port: 1
                  host: x
                  port: 2
                """)
        }
        #expect(
            error?.description
                == "config.yaml:4:3: duplicate key 'port': it is already defined at line 2, column 3 (at server.port)")
    }

    @Test func nonScalarKeyIsAnError() {
        let error = yamlError { try parseYAML("? [a, b]\n: c\n") }
        #expect(error?.description == "config.yaml:1:3: a mapping key must be a scalar, found a sequence")
    }

    @Test func nestingIsCappedAt64Levels() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parseYAML(ok)
        let error = yamlError { try parseYAML(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) }
        #expect(error?.message == "nesting deeper than 64 levels")
        #expect(error?.mark == YAMLMark(line: 1, column: 65))
    }

    @Test func hugeNestingFailsWithoutRecursing() {
        let error = yamlError { try parseYAML(String(repeating: "[", count: 100_000)) }
        #expect(error?.message == "nesting deeper than 64 levels")
    }

    @Test func aliasesCannotExceedTheDepthCap() {
        var text = "a0: &a0 [x]\n"
        for level in 1...70 { text += "a\(level): &a\(level) [*a\(level - 1)]\n" }
        let error = yamlError { try parseYAML(text) }
        #expect(error?.message.hasPrefix("nesting deeper than 64 levels (through alias") == true)
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n  # another\n", "---\n", "--- # empty\n...\n"])
    func emptyDocumentsParseToNil(_ text: String) throws {
        #expect(try YAMLParser.parse(text, file: "config.yaml", environment: [:]) == nil)
    }

    @Test func secondDocumentIsAnError() {
        let error = yamlError { try parseYAML("a: 1\n---\nb: 2\n") }
        #expect(error?.mark == YAMLMark(line: 2, column: 1))
        #expect(error?.message.contains("second YAML document") == true)
    }

    @Test func syntaxErrorsCarryLibyamlProblemAndContext() {
        let error = yamlError { try parseYAML("server:\n  host: x\n port: 2\n") }
        #expect(
            error?.description
                == "config.yaml:3:2: invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)")
    }
}

@Suite struct YAMLMarkTests {
    @Test func columnsCountCharactersNotBytes() throws {
        let root = try parseYAML("städte: { ü: x }\n")
        #expect(root["städte"]?["ü"]?.mark == YAMLMark(line: 1, column: 14))
    }
}
