import Testing

@testable import ProxyStore

@Suite("budget periods and times")
struct BudgetPeriodTests {
    /// 2026-12-09T15:30:00Z, a Wednesday.
    static let wednesday: Int64 = 1_796_830_200_000

    @Test(
        "each period starts and ends at UTC calendar boundaries; weeks start on Monday",
        arguments: [
            (BudgetPeriod.day, "2026-12-09T00:00:00Z", "2026-12-10T00:00:00Z"),
            (.week, "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z"),
            (.month, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ])
    func bounds(period: BudgetPeriod, start: String, end: String) throws {
        #expect(WallClock.iso(period.start(containing: Self.wednesday)) == start)
        #expect(WallClock.iso(try #require(period.end(containing: Self.wednesday))) == end)
    }

    @Test("a total budget starts at 0 and never ends")
    func total() {
        #expect(BudgetPeriod.total.start(containing: Self.wednesday) == 0)
        #expect(BudgetPeriod.total.end(containing: Self.wednesday) == nil)
    }

    @Test("a key that expires on a day works through it")
    func expiry() throws {
        let expires = try #require(GatewayStore.NewKey.expiry(day: "2026-12-31"))
        #expect(WallClock.iso(expires) == "2027-01-01T00:00:00Z")
        #expect(GatewayStore.NewKey.expiry(day: "2026-13-01") == nil)
        #expect(GatewayStore.NewKey.expiry(day: "tomorrow") == nil)
    }

    @Test("usage spans: a day, a time, or a span back from now")
    func since() {
        let now = Self.wednesday
        #expect(UsageSince.parse("7d", now: now) == now - 7 * 86_400_000)
        #expect(UsageSince.parse("24h", now: now) == now - 86_400_000)
        #expect(UsageSince.parse("30m", now: now) == now - 1_800_000)
        #expect(UsageSince.parse("2026-12-01", now: now) == 1_796_083_200_000)
        #expect(UsageSince.parse("2026-12-01T12:00:00Z", now: now) == 1_796_126_400_000)
        #expect(UsageSince.parse("last week", now: now) == nil)
    }

    @Test("Claude Code's spend-limit date: short English month and the UTC day")
    func monthDay() {
        #expect(WallClock.monthDay(Self.wednesday) == "Dec 9")
    }
}
