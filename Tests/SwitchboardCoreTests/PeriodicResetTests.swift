import Foundation
import SwitchboardCore
import Testing

/// Calendar periods of usage limits, in UTC (issue 21).
struct PeriodicResetTests {
    static func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    @Test func weeksStartOnMonday() {
        // Thursday 3 December 2026.
        let now = Self.date("2026-12-03T05:00:00Z")
        #expect(PeriodicReset.weekly.periodStart(of: now) == Self.date("2026-11-30T00:00:00Z"))
        #expect(PeriodicReset.weekly.nextReset(after: now) == Self.date("2026-12-07T00:00:00Z"))
        #expect(
            PeriodicReset.weekly.nextReset(after: Self.date("2026-12-07T00:00:00Z"))
                == Self.date("2026-12-14T00:00:00Z")
        )
        #expect(PeriodicReset.weekly.days(at: now) == 7)
    }

    @Test func monthsStartOnTheFirst() {
        let now = Self.date("2026-12-31T23:59:59Z")
        #expect(PeriodicReset.monthly.periodStart(of: now) == Self.date("2026-12-01T00:00:00Z"))
        #expect(PeriodicReset.monthly.nextReset(after: now) == Self.date("2027-01-01T00:00:00Z"))
        #expect(PeriodicReset.monthly.days(at: Self.date("2028-02-10T00:00:00Z")) == 29)
    }
}
