#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: it would bring ICU
#else
    import Foundation
#endif

/// Unix time in milliseconds: what the store writes for every time, so both databases compare and sum
/// plain integers and replicas agree on a moment (their clocks kept by NTP).
package enum WallClock {
    /// Now.
    package static func milliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// `milliseconds` as a date.
    package static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `2026-12-07T13:05:12Z`.
    package static func iso(_ milliseconds: Int64) -> String {
        date(milliseconds).formatted(Date.ISO8601FormatStyle())
    }

    /// `2026-12-07`.
    package static func day(_ milliseconds: Int64) -> String {
        date(milliseconds).formatted(Date.ISO8601FormatStyle().year().month().day())
    }

    /// `Dec 8`: the day in UTC as Claude Code writes a spend limit's reset (en-US, short month).
    package static func monthDay(_ milliseconds: Int64) -> String {
        let parts = calendar.dateComponents([.month, .day], from: date(milliseconds))
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(months[(parts.month ?? 1) - 1]) \(parts.day ?? 1)"
    }

    /// A `YYYY-MM-DD` (midnight UTC) or a full ISO 8601 time; nil for anything else.
    package static func parse(_ text: String) -> Int64? {
        let parsed =
            text.utf8.count == 10 ? try? Date.ISO8601FormatStyle().year().month().day().parse(text) : try? Date(text, strategy: .iso8601)
        return parsed.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
    }

    /// The gregorian calendar in UTC, weeks starting on Monday (ISO 8601).
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        calendar.firstWeekday = 2
        return calendar
    }()
}
