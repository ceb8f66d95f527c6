#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The span a key's budget covers before it starts again: a calendar day, week (from Monday) or month in
/// UTC, or the key's whole life.
package enum BudgetPeriod: String, Sendable, CaseIterable {
    case day, week, month, total

    /// Where the period holding `milliseconds` started (0 for `total`).
    package func start(containing milliseconds: Int64) -> Int64 {
        bounds(containing: milliseconds).start
    }

    /// Where the period holding `milliseconds` ends (nil for `total`, which never does).
    package func end(containing milliseconds: Int64) -> Int64? {
        self == .total ? nil : bounds(containing: milliseconds).end
    }

    private func bounds(containing milliseconds: Int64) -> (start: Int64, end: Int64) {
        let component: Calendar.Component
        switch self {
        case .total: return (0, .max)
        case .day: component = .day
        case .week: component = .weekOfYear
        case .month: component = .month
        }
        guard let interval = WallClock.calendar.dateInterval(of: component, for: WallClock.date(milliseconds)) else { return (0, .max) }
        return (Self.milliseconds(interval.start), Self.milliseconds(interval.end))
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// `daily`, `weekly`, `monthly`, `total`: Claude Code's word for a spend limit's period.
    package var adjective: String {
        switch self {
        case .day: return "daily"
        case .week: return "weekly"
        case .month: return "monthly"
        case .total: return "total"
        }
    }

    /// `per day`, `per week`, `per month`, `in total`.
    package var phrase: String {
        self == .total ? "in total" : "per \(rawValue)"
    }
}
