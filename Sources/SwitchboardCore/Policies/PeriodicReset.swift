import Foundation

/// When a usage limit starts again (Portkey's `periodic_reset`): calendar periods in UTC — a week starts on Monday
/// 00:00, a month on its 1st 00:00 — or never (`null`: a cumulative limit). Time is passed in, so tests move it.
public enum PeriodicReset: String, Sendable, CaseIterable {
    case weekly, monthly

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The start of the period `date` falls in.
    public func periodStart(of date: Date) -> Date {
        let calendar = Self.calendar
        switch self {
        case .weekly:
            let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return calendar.date(from: parts)!
        case .monthly:
            let parts = calendar.dateComponents([.year, .month], from: date)
            return calendar.date(from: parts)!
        }
    }

    /// When the period `date` falls in ends: the next reset (`next_usage_reset_at`).
    public func nextReset(after date: Date) -> Date {
        let start = self.periodStart(of: date)
        let step: DateComponents = self == .weekly ? DateComponents(day: 7) : DateComponents(month: 1)
        return Self.calendar.date(byAdding: step, to: start)!
    }

    /// The period's length in days (`periodic_reset_days`): 7, or the days of `date`'s month.
    public func days(at date: Date) -> Int {
        switch self {
        case .weekly: 7
        case .monthly: Self.calendar.range(of: .day, in: .month, for: date)?.count ?? 30
        }
    }
}
