import ClaudeCodeProxyTestKit
import Testing

@testable import ProxyCore

@Suite("SSE decoding")
struct SSEDecoderTests {
    /// A realistic upstream stream: a keep-alive comment, reasoning, multi-byte text, a tool call with
    /// fragmented arguments, the finish, a trailing usage chunk and `[DONE]`, with `\r\n` line endings.
    static let realisticStream: [UInt8] = {
        var text = ": OPENROUTER PROCESSING\r\n\r\n"
        let payloads = [
            UpstreamChunk.role(),
            UpstreamChunk.reasoningContent("Need the file."),
            UpstreamChunk.reasoningContent(" Then read it."),
            UpstreamChunk.text("Reading café — 文件 😀."),
            UpstreamChunk.toolCall(index: 0, id: "call_9", name: "Read", arguments: ""),
            UpstreamChunk.toolCall(index: 0, arguments: #"{"path":"#),
            UpstreamChunk.toolCall(index: 0, arguments: #""a.txt","#),
            UpstreamChunk.toolCall(index: 0, arguments: #""limit":10}"#),
            UpstreamChunk.finish("tool_calls"),
            UpstreamChunk.usage(prompt: 1200, completion: 40, cached: 1000),
        ]
        for (position, payload) in payloads.enumerated() {
            text += "data: " + payload + "\r\n\r\n"
            if position == 4 { text += ": OPENROUTER PROCESSING\r\n\r\n" }
        }
        text += "data: [DONE]\r\n\r\n"
        return Array(text.utf8)
    }()

    @Test("the realistic stream decodes to its JSON payloads and [DONE], comments skipped")
    func realisticPayloads() {
        let payloads = StreamHarness.payloads(Self.realisticStream)
        #expect(payloads.count == 11)
        #expect(payloads.last == "[DONE]")
        #expect(payloads.dropLast().allSatisfy { (try? JSONParser.parse($0)) != nil })
    }

    @Test("splitting the stream at every byte boundary yields identical payloads")
    func everySplitSamePayloads() {
        let whole = StreamHarness.payloads(Self.realisticStream)
        var differing: [Int] = []
        for split in 0...Self.realisticStream.count where StreamHarness.payloads(Self.realisticStream, splitAt: split) != whole {
            differing.append(split)
        }
        #expect(differing.isEmpty, "payloads differ when split at bytes \(differing.prefix(10))")
    }

    @Test("splitting the stream at every byte boundary yields identical Anthropic events (§10 item 23)")
    func everySplitSameEvents() {
        let whole = StreamHarness.run(Self.realisticStream)
        #expect(whole.error == nil)
        var differing: [Int] = []
        for split in 0...Self.realisticStream.count {
            let run = StreamHarness.run(Self.realisticStream, splitAt: split)
            if run.events != whole.events || run.error != whole.error { differing.append(split) }
        }
        #expect(differing.isEmpty, "events differ when split at bytes \(differing.prefix(10))")
    }

    @Test("the realistic stream translates to a valid Anthropic stream")
    func realisticGrammar() {
        let run = StreamHarness.run(Self.realisticStream)
        #expect(StreamGrammar.violations(in: run.events) == [])
        #expect(run.thinking == "Need the file. Then read it.")
        #expect(run.text == "Reading café — 文件 😀.")
        #expect(run.toolInputs == [#"{"path":"a.txt","limit":10}"#])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test(
        "line endings \\n, \\r\\n and \\r are all accepted, wherever the bytes are split",
        arguments: ["\n", "\r\n", "\r"]
    )
    func lineEndings(ending: String) {
        let bytes = Array(("data: {\"a\":1}" + ending + ending + "data: {\"b\":2}" + ending + ending).utf8)
        for split in 0...bytes.count {
            #expect(StreamHarness.payloads(bytes, splitAt: split) == [#"{"a":1}"#, #"{"b":2}"#], "split at \(split)")
        }
    }

    @Test("several data lines of one event join with a newline, whatever the line endings and the split")
    func multiLineData() {
        for ending in ["\n", "\r\n", "\r"] {
            let bytes = Array(("data: {\"a\":" + ending + "data: 1}" + ending + ending).utf8)
            for split in 0...bytes.count {
                #expect(StreamHarness.payloads(bytes, splitAt: split) == ["{\"a\":\n1}"], "split at \(split)")
            }
        }
    }

    @Test("each event keeps its event: name, wherever the bytes are split; an event without one has none")
    func eventNames() {
        let bytes = Array("event: content_block_delta\r\ndata: {\"a\":1}\r\n\r\ndata: {\"b\":2}\r\n\r\nevent:ping\ndata: {}\n\n".utf8)
        let expected = [
            SSEEvent(name: "content_block_delta", data: Array(#"{"a":1}"#.utf8)), SSEEvent(data: Array(#"{"b":2}"#.utf8)),
            SSEEvent(name: "ping", data: Array("{}".utf8)),
        ]
        for split in 0...bytes.count {
            var decoder = SSEDecoder()
            var events = decoder.events(in: Array(bytes[..<split]))
            events += decoder.events(in: Array(bytes[split...]))
            #expect(events == expected, "split at \(split)")
        }
        // A name without data is no event, and does not name the next one.
        var decoder = SSEDecoder()
        #expect(decoder.events(in: Array("event: lonely\n\ndata: x\n\n".utf8)) == [SSEEvent(data: Array("x".utf8))])
    }

    @Test("data: without a space is accepted")
    func dataWithoutSpace() {
        #expect(StreamHarness.payloads(Array("data:{\"a\":1}\n\n".utf8)) == [#"{"a":1}"#])
    }

    @Test("event:, id:, retry: fields and comment lines are ignored")
    func ignoredFields() {
        let text = ": keep-alive\nevent: chunk\nid: 7\nretry: 100\ndata: {\"a\":1}\n\n: OPENROUTER PROCESSING\n\n"
        #expect(StreamHarness.payloads(Array(text.utf8)) == [#"{"a":1}"#])
    }

    @Test("an event whose blank line never came is delivered at finish")
    func unterminatedEventAtFinish() {
        #expect(StreamHarness.payloads(Array("data: {\"a\":1}".utf8)) == [#"{"a":1}"#])
    }

    @Test("blank lines without data produce no event")
    func blankLines() {
        #expect(StreamHarness.payloads(Array("\n\n\r\n\r\n".utf8)) == [])
    }
}
