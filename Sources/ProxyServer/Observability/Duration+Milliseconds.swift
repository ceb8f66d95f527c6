extension Duration {
    /// The whole milliseconds, as logs, the ledger and wall-clock arithmetic count time.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
