/// When a target counts as broken and how long it is left alone (Portkey's `cb_config`, plus a window).
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Failures within the window that open the circuit.
    public var failureThreshold = 5
    /// Alternatively, the failure share (percent) that opens it once ``minimumRequests`` were seen.
    public var failureRatePercent: Double?
    public var minimumRequests = 10
    /// How long an open circuit skips the target before one probe is let through.
    public var cooldownMs = 30_000
    /// Failures older than this no longer count.
    public var windowMs = 60_000
    /// Statuses that count as failures; `nil` means every 5xx. Connection failures and timeouts always count.
    public var failureStatusCodes: [Int]?

    public init() {}

    public func isFailure(status: Int) -> Bool {
        if let codes = self.failureStatusCodes { return codes.contains(status) }
        return status >= 500
    }
}

/// The state of one target's circuit: closed (normal), open (skipped until the cooldown ends) or half-open
/// (one probe decides). Pure state; the server keeps one per target and supplies the clock.
public struct CircuitBreakerState: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case closed
        case open(untilMs: Int64)
        case halfOpen
    }

    public private(set) var phase = Phase.closed
    private var windowStartMs: Int64 = 0
    private var requests = 0
    private var failures = 0

    public init() {}

    /// Whether the target should be skipped now. An open circuit whose cooldown ended turns half-open.
    public mutating func isOpen(nowMs: Int64) -> Bool {
        guard case .open(let until) = self.phase else { return false }
        if nowMs >= until {
            self.phase = .halfOpen
            return false
        }
        return true
    }

    /// Records an attempt's outcome; returns true when this outcome opened the circuit.
    @discardableResult
    public mutating func record(failure: Bool, nowMs: Int64, settings: CircuitBreakerSettings) -> Bool {
        switch self.phase {
        case .halfOpen:
            if failure {
                self.phase = .open(untilMs: nowMs + Int64(settings.cooldownMs))
                return true
            }
            self.reset(nowMs: nowMs)
            self.phase = .closed
            return false
        case .open:
            return false
        case .closed:
            if nowMs - self.windowStartMs >= Int64(settings.windowMs) { self.reset(nowMs: nowMs) }
            self.requests += 1
            if failure { self.failures += 1 }
            var trips = failure && self.failures >= settings.failureThreshold
            if failure, let percent = settings.failureRatePercent, self.requests >= settings.minimumRequests,
                Double(self.failures) * 100 >= percent * Double(self.requests)
            {
                trips = true
            }
            guard trips else { return false }
            self.phase = .open(untilMs: nowMs + Int64(settings.cooldownMs))
            self.reset(nowMs: nowMs)
            return true
        }
    }

    private mutating func reset(nowMs: Int64) {
        self.windowStartMs = nowMs
        self.requests = 0
        self.failures = 0
    }
}
