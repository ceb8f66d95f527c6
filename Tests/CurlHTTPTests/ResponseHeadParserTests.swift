import Testing

@testable import CurlHTTP

/// The head parser on its own: lines exactly as libcurl hands them to the header callback.
struct ResponseHeadParserTests {
    private func feed(_ lines: [String]) -> (parser: ResponseHeadParser, events: [ResponseHeadParser.Event]) {
        var parser = ResponseHeadParser()
        var events: [ResponseHeadParser.Event] = []
        for line in lines {
            let bytes = Array(line.utf8)
            events.append(bytes.withUnsafeBytes { parser.consume($0) })
        }
        return (parser, events)
    }

    @Test func finalHeadEndsAtBlankLineWithLowercasedNamesInOrder() {
        let (parser, events) = feed([
            "HTTP/1.1 200 OK\r\n", "Content-Type: text/plain\r\n", "X-A:  1 \r\n", "x-a: 2\r\n", "\r\n",
        ])
        #expect(events == [.none, .none, .none, .none, .finalHead])
        #expect(parser.status == 200)
        #expect(parser.headers.map(\.name) == ["content-type", "x-a", "x-a"])
        #expect(parser.headers.map(\.value) == ["text/plain", "1", "2"])
    }

    @Test func interimHeadsAreSkipped() {
        let (parser, events) = feed([
            "HTTP/1.1 100 Continue\r\n", "X-Interim: yes\r\n", "\r\n", "HTTP/1.1 201 Created\r\n", "X-Final: yes\r\n",
            "\r\n",
        ])
        #expect(events == [.none, .none, .none, .none, .none, .finalHead])
        #expect(parser.status == 201)
        #expect(parser.headers.map(\.name) == ["x-final"])
    }

    @Test func http2StatusLineWithoutReason() {
        let (parser, events) = feed(["HTTP/2 429 \r\n", "retry-after: 3\r\n", "\r\n"])
        #expect(events.last == .finalHead)
        #expect(parser.status == 429)
        #expect(parser.headers.first?.value == "3")
    }

    @Test func foldedContinuationJoinsThePreviousValue() {
        let (parser, _) = feed(["HTTP/1.1 200 OK\r\n", "X-Long: first\r\n", "\t second\r\n", "\r\n"])
        #expect(parser.headers.first?.value == "first second")
    }
}
