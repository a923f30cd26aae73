import Foundation

/// A limit the gateway enforces, whatever defined it: a usage-limit or rate-limit policy of the policies API, or
/// the `usage_limits` / `rate_limits` of an API key or a virtual key (a policy whose condition is that key).
public struct LimitPolicy: Sendable, Equatable {
    /// What a request counts for.
    public enum Measure: String, Sendable {
        /// Cents, priced from the provider's reported tokens.
        case cost
        case tokens
        case requests

        /// What a request of `tokens` tokens costing `costCents` counts for (a worst case, or what was used).
        public func amount(tokens: Double, costCents: Double?) -> Double {
            switch self {
            case .requests: 1
            case .tokens: tokens
            case .cost: costCents ?? 0
            }
        }
    }

    /// Over what time the limit holds.
    public enum Period: Sendable, Equatable {
        /// Never starts again (until reset by hand).
        case cumulative
        /// Calendar weeks or months in UTC.
        case periodic(PeriodicReset)
        /// Every N days, counted from the Unix epoch.
        case days(Int)
        /// A rate limit's fixed window.
        case window(RateWindow.Unit)
    }

    /// Stable and unique: `usage_limits:<uuid>`, `rate_limits:<uuid>`, `api_key:<id>:usage`, `virtual_key:<slug>:rpm`…
    public var id: String
    /// The id the policies API shows (the policy's UUID), or the key or virtual key the limit belongs to.
    public var owner: String
    public var name: String?
    public var scope: PolicyScope
    public var measure: Measure
    public var limit: Double
    public var period: Period
    /// Usage from which a warning is logged (once per period).
    public var alertThreshold: Double?

    public init(
        id: String,
        owner: String,
        name: String? = nil,
        scope: PolicyScope,
        measure: Measure,
        limit: Double,
        period: Period,
        alertThreshold: Double? = nil
    ) {
        self.id = id
        self.owner = owner
        self.name = name
        self.scope = scope
        self.measure = measure
        self.limit = limit
        self.period = period
        self.alertThreshold = alertThreshold
    }

    /// A rate limit (refused with 429 and `Retry-After`) rather than a usage limit (refused with 412).
    public var isRate: Bool {
        if case .window = self.period { return true }
        return false
    }

    /// The period `now` (seconds since the epoch) falls in: its start as the store keys it (ISO-8601, so that
    /// later periods sort later; empty for a cumulative limit), and its end (seconds since the epoch) if it has one.
    public func period(at now: Int) -> (key: String, end: Int?) {
        switch self.period {
        case .cumulative:
            return ("", nil)
        case .periodic(let reset):
            let date = Date(timeIntervalSince1970: TimeInterval(now))
            let start = reset.periodStart(of: date)
            return (Self.iso(Int(start.timeIntervalSince1970)), Int(reset.nextReset(after: date).timeIntervalSince1970))
        case .days(let days):
            let length = max(1, days) * 86400
            let start = now - now % length
            return (Self.iso(start), start + length)
        case .window(let unit):
            let start = now - now % unit.seconds
            return (Self.iso(start), start + unit.seconds)
        }
    }

    private static func iso(_ seconds: Int) -> String {
        var time = tm()
        var value = time_t(seconds)
        gmtime_r(&value, &time)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(time.tm_year + 1900)-\(two(time.tm_mon + 1))-\(two(time.tm_mday))T"
            + "\(two(time.tm_hour)):\(two(time.tm_min)):\(two(time.tm_sec))Z"
    }
}
