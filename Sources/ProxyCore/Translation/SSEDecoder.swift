/// Incremental server-sent-events framing for upstream streams.
///
/// Bytes arrive split anywhere (mid-line, mid-JSON, mid-`\r\n`); the decoder buffers the partial line and
/// yields each event's `data` payload once its blank line arrives. Comment lines (`: OPENROUTER
/// PROCESSING`) and `event:`/`id:`/`retry:` fields are ignored; several `data:` lines join with `\n`.
package struct SSEDecoder: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCarriageReturn = false

    package init() {}

    /// Feeds bytes; calls `onEvent` with each complete event's data. Concrete `ArraySlice` rather than a
    /// generic sequence: called from another module, a generic would run unspecialised, byte by byte.
    package mutating func feed(_ bytes: [UInt8], onEvent: ([UInt8]) throws -> Void) rethrows {
        try feed(bytes[...], onEvent: onEvent)
    }

    package mutating func feed(_ bytes: ArraySlice<UInt8>, onEvent: ([UInt8]) throws -> Void) rethrows {
        for byte in bytes {
            switch byte {
            case 0x0A where lastWasCarriageReturn:
                lastWasCarriageReturn = false  // the \n of a \r\n pair: the line already ended
            case 0x0A, 0x0D:
                lastWasCarriageReturn = byte == 0x0D
                try endLine(onEvent: onEvent)
            default:
                lastWasCarriageReturn = false
                line.append(byte)
            }
        }
    }

    /// At end of stream: an event whose blank line never came is still delivered.
    package mutating func finish(onEvent: ([UInt8]) throws -> Void) rethrows {
        if !line.isEmpty { try endLine(onEvent: onEvent) }
        try dispatch(onEvent: onEvent)
    }

    private mutating func endLine(onEvent: ([UInt8]) throws -> Void) rethrows {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            try dispatch(onEvent: onEvent)
            return
        }
        guard line.starts(with: Self.dataPrefix) else { return }
        var start = Self.dataPrefix.count
        if start < line.count, line[start] == 0x20 { start += 1 }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: line[start...])
        hasData = true
    }

    private mutating func dispatch(onEvent: ([UInt8]) throws -> Void) rethrows {
        guard hasData else { return }
        let payload = data
        data.removeAll(keepingCapacity: true)
        hasData = false
        try onEvent(payload)
    }

    private static let dataPrefix: [UInt8] = Array("data:".utf8)
}
