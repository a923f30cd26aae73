/// The spend of one usage-limit entity (a policy's `group_by` value) in its period: what answered requests used
/// and what requests in flight hold (issue 21).
///
/// Reserve, then settle: before the upstream call a request reserves its worst case (prompt estimate plus its
/// output limit, priced); a worst case that does not fit in what is left is refused. After the answer the
/// reservation is replaced by what was really used. So `used` stays within `limit` unless a provider answers past
/// the output limit it was given — the overshoot is bounded by what one request uses beyond its reservation.
public struct UsageLedger: Sendable, Equatable {
    public var limit: Double
    public private(set) var used: Double = 0
    public private(set) var reserved: Double = 0

    /// What one request holds until it settles.
    public struct Reservation: Sendable, Equatable {
        public let amount: Double
    }

    public init(limit: Double, used: Double = 0) {
        self.limit = limit
        self.used = used
    }

    /// What a new request may still reserve.
    public var available: Double { max(0, self.limit - self.used - self.reserved) }

    /// Whether the answered requests used the whole limit (Portkey's `exhausted` entity status).
    public var isExhausted: Bool { self.used >= self.limit }

    /// Holds `worstCase` for a request, or `nil` when it does not fit in what is left.
    public mutating func reserve(_ worstCase: Double) -> Reservation? {
        let amount = max(0, worstCase)
        guard amount <= self.available, !self.isExhausted else { return nil }
        self.reserved += amount
        return Reservation(amount: amount)
    }

    /// Replaces a reservation by what the request really used (a cut stream's usage so far, or 0 when it never
    /// reached the provider).
    public mutating func settle(_ reservation: Reservation, used actual: Double) {
        self.reserved = max(0, self.reserved - reservation.amount)
        self.used += max(0, actual)
    }

    /// A new period (or `reset_usage_for_value`): the answered usage starts again; requests in flight keep
    /// their reservations.
    public mutating func reset() {
        self.used = 0
    }
}
