/// A rate limit's window for one entity: requests (or tokens) counted in fixed windows of a minute, an hour or a
/// day (`rpm` / `rph` / `rpd`), with the wait until the window ends for a refused request's `Retry-After`. Time is
/// passed in (seconds since the epoch), so tests move it.
public struct RateWindow: Sendable, Equatable {
    public enum Unit: String, Sendable, CaseIterable {
        case rpm, rph, rpd

        public var seconds: Int {
            switch self {
            case .rpm: 60
            case .rph: 3600
            case .rpd: 86400
            }
        }
    }

    public var limit: Double
    public var unit: Unit
    public private(set) var windowStart = 0
    public private(set) var count: Double = 0

    public init(limit: Double, unit: Unit) {
        self.limit = limit
        self.unit = unit
    }

    /// The outcome of asking for room in the window.
    public enum Admission: Sendable, Equatable {
        case admitted
        /// Refused: the window ends in this many seconds (at least 1).
        case refused(retryAfter: Int)
    }

    /// Counts `cost` (1 for a request; the token estimate for a token limit) if the window has room.
    public mutating func admit(_ cost: Double = 1, now: Int) -> Admission {
        self.roll(now)
        guard self.count + cost <= self.limit else {
            return .refused(retryAfter: max(1, self.windowStart + self.unit.seconds - now))
        }
        self.count += cost
        return .admitted
    }

    /// Corrects an admitted estimate by what was really used (token limits), never below zero.
    public mutating func correct(by delta: Double, now: Int) {
        self.roll(now)
        self.count = max(0, self.count + delta)
    }

    /// What is left in the current window, for the `RateLimit` header.
    public func remaining(now: Int) -> Double {
        let start = now - now % self.unit.seconds
        return start == self.windowStart ? max(0, self.limit - self.count) : self.limit
    }

    private mutating func roll(_ now: Int) {
        let start = now - now % self.unit.seconds
        if start != self.windowStart {
            self.windowStart = start
            self.count = 0
        }
    }
}
