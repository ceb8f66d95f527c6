import Testing

@testable import ProxyConfig

@Suite("DotEnv parsing")
struct DotEnvTests {
    @Test(
        "one line parses to its key and value",
        arguments: [
            ("KEY=value", "value"),
            ("KEY = value ", "value"),
            ("export KEY=value", "value"),
            ("  export   KEY=value", "value"),
            ("KEY=\"quoted value\"", "quoted value"),
            ("KEY='single quoted'", "single quoted"),
            ("KEY=\"a#b\" # comment", "a#b"),
            ("KEY=value # comment", "value"),
            ("KEY=a#b", "a#b"),
            ("KEY=", ""),
            ("KEY=\"\"", ""),
            ("KEY=\"line1\\nline2\"", "line1\nline2"),
            ("KEY=\"tab\\there\"", "tab\there"),
            ("KEY='no\\nescape'", "no\\nescape"),
            ("KEY=\"back\\\\slash\"", "back\\slash"),
            ("KEY=\"say \\\"hi\\\"\"", "say \"hi\""),
            ("KEY=https://example.com/v1?x=1", "https://example.com/v1?x=1"),
            ("KEY=a=b=c", "a=b=c"),
        ]
    )
    func line(text: String, expected: String) {
        #expect(DotEnv.parse(text)["KEY"] == expected)
    }

    @Test("comments, blank lines and lines without = are skipped")
    func skippedLines() {
        let values = DotEnv.parse("# a comment\n\n   # indented comment\nNOT_A_PAIR\nA=1\n")
        #expect(values == ["A": "1"])
    }

    @Test("CRLF line endings are accepted")
    func crlf() {
        #expect(DotEnv.parse("A=1\r\nB=\"two\"\r\n") == ["A": "1", "B": "two"])
    }

    @Test("a later assignment of the same key wins")
    func laterWins() {
        #expect(DotEnv.parse("A=1\nA=2") == ["A": "2"])
    }

    @Test("a seed-style .env file parses completely")
    func seedFile() {
        let text = """
            # Required: Your OpenAI API key
            OPENAI_API_KEY="sk-your-openai-api-key-here"

            # Optional: Expected Anthropic API key for client validation
            # ANTHROPIC_API_KEY="your-expected-anthropic-api-key"

            OPENAI_BASE_URL="https://api.openai.com/v1"
            BIG_MODEL="gpt-4o"
            SMALL_MODEL="gpt-4o-mini"
            HOST="0.0.0.0"
            PORT="8082"
            LOG_LEVEL="INFO"  # DEBUG, INFO, WARNING, ERROR, CRITICAL
            MAX_TOKENS_LIMIT="4096"
            """
        let values = DotEnv.parse(text)
        #expect(values["OPENAI_API_KEY"] == "sk-your-openai-api-key-here")
        #expect(values["ANTHROPIC_API_KEY"] == nil)
        #expect(values["LOG_LEVEL"] == "INFO")
        #expect(values["PORT"] == "8082")
        #expect(values.count == 8)
    }
}
