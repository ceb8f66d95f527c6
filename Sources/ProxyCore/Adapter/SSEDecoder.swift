/// One server-sent event: its `event:` name, when it had one, and its `data` (several `data:` lines joined
/// with `\n`).
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field; nil when the event had none.
    public var name: String?
    /// The `data` payload.
    public var data: [UInt8]

    /// An event.
    public init(name: String? = nil, data: [UInt8]) {
        self.name = name
        self.data = data
    }
}

/// Incremental server-sent-events framing for upstream streams.
///
/// Bytes arrive split anywhere (mid-line, mid-JSON, mid-`\r\n`); the decoder buffers the partial line and
/// yields each event once its blank line arrives: its `event:` name and its `data`. Comment lines
/// (`: OPENROUTER PROCESSING`) and `id:`/`retry:` fields are ignored; an event without data is none.
public struct SSEDecoder: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var name: String?
    private var lastWasCarriageReturn = false

    /// A decoder at the start of a stream.
    public init() {}

    /// Feeds bytes; calls `onEvent` with each complete event. Concrete `ArraySlice` rather than a generic
    /// sequence: called from another module, a generic would run unspecialised, byte by byte.
    public mutating func feed(_ bytes: [UInt8], onEvent: (SSEEvent) throws -> Void) rethrows {
        try feed(bytes[...], onEvent: onEvent)
    }

    /// Feeds a slice; calls `onEvent` with each complete event.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, onEvent: (SSEEvent) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            if lastWasCarriageReturn, let first = buffer.first {
                lastWasCarriageReturn = false
                if first == 0x0A { start = 1 }  // the \n of a \r\n pair split across chunks
            }
            while start < buffer.count {
                var end = start
                while end < buffer.count, buffer[end] != 0x0A, buffer[end] != 0x0D { end += 1 }
                let run = UnsafeBufferPointer(rebasing: buffer[start..<end])
                guard end < buffer.count else {
                    line.append(contentsOf: run)  // a partial line: the rest comes with the next bytes
                    return
                }
                if line.isEmpty {
                    try endLine(run, onEvent: onEvent)
                } else {
                    line.append(contentsOf: run)
                    try endBufferedLine(onEvent: onEvent)
                }
                start = end + 1
                if buffer[end] == 0x0D {
                    if start == buffer.count {
                        lastWasCarriageReturn = true
                    } else if buffer[start] == 0x0A {
                        start += 1
                    }
                }
            }
        }
    }

    /// The events `bytes` complete: for a reader whose handling of an event mutates what holds the decoder,
    /// which a closure passed to `feed` could not (`SSEAnswerStream` does that without the array).
    public mutating func events(in bytes: [UInt8]) -> [SSEEvent] {
        var events: [SSEEvent] = []
        feed(bytes) { events.append($0) }
        return events
    }

    /// At end of stream: an event whose blank line never came is still delivered.
    public mutating func finish(onEvent: (SSEEvent) throws -> Void) rethrows {
        if !line.isEmpty { try endBufferedLine(onEvent: onEvent) }
        try dispatch(onEvent: onEvent)
    }

    /// Ends the line that was buffered across feeds; swapped out of `self` (keeping its capacity)
    /// because `endLine` mutates `self`.
    private mutating func endBufferedLine(onEvent: (SSEEvent) throws -> Void) rethrows {
        var whole: [UInt8] = []
        swap(&whole, &line)
        defer {
            whole.removeAll(keepingCapacity: true)
            swap(&whole, &line)
        }
        try whole.withUnsafeBufferPointer { try endLine($0, onEvent: onEvent) }
    }

    /// One complete line, without its terminator.
    private mutating func endLine(_ line: UnsafeBufferPointer<UInt8>, onEvent: (SSEEvent) throws -> Void) rethrows {
        if line.isEmpty {
            try dispatch(onEvent: onEvent)
            return
        }
        if line.starts(with: Self.eventPrefix) {
            var start = Self.eventPrefix.count
            if start < line.count, line[start] == 0x20 { start += 1 }
            name = String(decoding: UnsafeBufferPointer(rebasing: line[start...]), as: UTF8.self)
            return
        }
        guard line.starts(with: Self.dataPrefix) else { return }
        var start = Self.dataPrefix.count
        if start < line.count, line[start] == 0x20 { start += 1 }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: UnsafeBufferPointer(rebasing: line[start...]))
        hasData = true
    }

    private mutating func dispatch(onEvent: (SSEEvent) throws -> Void) rethrows {
        let eventName = name
        name = nil
        guard hasData else { return }
        var payload: [UInt8] = []
        swap(&payload, &data)
        hasData = false
        try onEvent(SSEEvent(name: eventName, data: payload))
    }

    private static let dataPrefix: [UInt8] = Array("data:".utf8)
    private static let eventPrefix: [UInt8] = Array("event:".utf8)
}
