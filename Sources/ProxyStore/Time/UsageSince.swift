/// The start of a usage span: `YYYY-MM-DD`, an ISO 8601 time, or a span back from now (`30m`, `24h`, `7d`).
package enum UsageSince {
    package static func parse(_ text: String, now: Int64 = WallClock.milliseconds()) -> Int64? {
        let units: [Character: Int64] = ["m": 60_000, "h": 3_600_000, "d": 86_400_000]
        if let unit = text.last.flatMap({ units[$0] }), let amount = Int64(text.dropLast()), amount >= 0 {
            let (span, overflow) = amount.multipliedReportingOverflow(by: unit)
            return overflow || span > now ? nil : now - span
        }
        return WallClock.parse(text)
    }
}
