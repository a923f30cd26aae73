/// One replica's part of one entity's allowance (issue 21): a slice leased from the store, from which requests
/// reserve their worst case without a database round trip; what they used is reported back in batches.
///
/// The store grants slices only while every replica's usage plus live slices fit in the limit, and a request
/// only runs on a reservation that fits in its replica's slice. So the usage of all replicas together passes the
/// limit only by what requests use beyond their reservations.
public struct PolicyShare: Sendable, Equatable {
    /// The period the slice belongs to (``LimitPolicy/period(at:)``'s key).
    public private(set) var period: String
    /// Leased and not used yet: what in-flight requests reserve plus what is free.
    public private(set) var held: Double = 0
    /// Held by requests in flight.
    public private(set) var reserved: Double = 0
    /// Used since the last report to the store.
    public private(set) var unreported: Double = 0
    /// The entity's usage over all replicas as the store last said it, plus this replica's use since.
    public private(set) var knownUsed: Double = 0
    /// When (seconds since the epoch) a request last reserved here: idle slices go back to the store.
    public private(set) var lastUse = 0

    public init(period: String) {
        self.period = period
    }

    /// What a request may still reserve without asking the store.
    public var free: Double { max(0, self.held - self.reserved) }

    /// Holds `amount` for a request, or returns false when the slice is too small.
    public mutating func reserve(_ amount: Double, now: Int) -> Bool {
        guard amount <= self.free else { return false }
        self.reserved += amount
        self.lastUse = now
        return true
    }

    /// Gives up a reservation that was never used (another limit refused the request).
    public mutating func release(_ amount: Double) {
        self.reserved = max(0, self.reserved - amount)
    }

    /// Replaces a reservation by what the request used: the slice shrinks by that much (never below zero: a
    /// request that used more than it reserved used the difference beyond the slice).
    public mutating func settle(_ reservation: Double, used: Double) {
        self.reserved = max(0, self.reserved - reservation)
        self.held = max(0, self.held - used)
        self.unreported += used
        self.knownUsed += used
    }

    /// The store granted `amount` more; `used` is the entity's usage over all replicas then, in `period`.
    public mutating func granted(_ amount: Double, used: Double, period: String) {
        if period != self.period { self.moveTo(period) }
        self.held += amount
        self.knownUsed = used + self.unreported
    }

    /// A new period: the old slice is void (the store starts the entity again). Requests in flight keep their
    /// reservations and settle into the new period, so they count against its first slice: on the safe side.
    public mutating func moveTo(_ period: String) {
        self.period = period
        self.held = 0
        self.unreported = 0
        self.knownUsed = 0
    }

    /// What to report to the store: the usage since the last report, and (`returning`) the free part of the
    /// slice given back.
    public mutating func report(returning: Bool) -> (used: Double, returned: Double) {
        let used = self.unreported
        self.unreported = 0
        guard returning else { return (used, 0) }
        let returned = self.free
        self.held -= returned
        return (used, returned)
    }

    /// A report that did not reach the store: its usage is to be reported again, and the slice it gave back is
    /// still this replica's (unless the period moved on).
    public mutating func unreport(_ used: Double, returned: Double, period: String) {
        guard period == self.period else { return }
        self.unreported += used
        self.held += returned
    }

    /// Usage was reset through the API: what this replica knows starts again.
    public mutating func resetKnownUsage() {
        self.knownUsed = 0
    }
}
