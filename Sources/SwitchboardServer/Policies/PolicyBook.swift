import Logging
import SwitchboardCore
import SwitchboardStore
import Synchronization

/// The limits in force and this replica's share of each entity's allowance (docs/policies.md).
///
/// A request's worst case is reserved here, in memory, under one lock; the store is asked only when a share's
/// slice is too small (``Admission/needsLease(_:)``), and usage goes back to it in batches
/// (``PolicyReporter``). With no policy defined, ``isActive`` is false and requests never come here.
final class PolicyBook: Sendable {
    struct EntityKey: Hashable, Sendable {
        let policy: String
        let value: String
    }

    /// A worst case reserved under one entity's limit.
    typealias Hold = (key: EntityKey, measure: LimitPolicy.Measure, amount: Double)

    /// One request's reservations, settled when it ends: those of the limits on the request itself, and those of
    /// the limits on the target of its current attempt (its virtual key or provider), which change with it.
    struct Ticket: Sendable {
        var holds: [Hold] = []
        /// The target `targetHolds` were reserved for.
        var target: Target?
        var targetHolds: [Hold] = []
    }

    /// What target-scoped limits see of a target.
    struct Target: Hashable, Sendable {
        let credential: String?
        let provider: String
    }

    /// A slice to ask the store for.
    struct LeaseRequest: Sendable {
        let key: EntityKey
        let limit: Double
        let want: Double
        let period: String
    }

    /// Why a request is refused.
    struct Refusal: Sendable, Error {
        let policy: LimitPolicy
        let valueKey: String
        let used: Double
        /// Held by this replica's requests in flight.
        let reserved: Double
        let needed: Double
        /// Seconds until the period ends, when it does.
        let resetIn: Int?
    }

    enum Admission: Sendable {
        case admitted(Ticket)
        case needsLease([LeaseRequest])
        case refused(Refusal)
    }

    private struct Entry {
        var policy: LimitPolicy
        var share: PolicyShare
        /// The period an alert was logged in.
        var alertedIn: String?
        /// Refused without asking the store again until then (seconds since the epoch).
        var refusedUntil = 0
        /// When the share's period ends (`Int.max`: never); 0 until worked out.
        var periodEnd = 0
    }

    private struct State {
        /// Limits checked once per request.
        var policies: [LimitPolicy] = []
        /// Limits that look at the target, checked for each attempt (``PolicyScope/dependsOnTarget``).
        var targetPolicies: [LimitPolicy] = []
        var entries: [EntityKey: Entry] = [:]
        /// Entries of policies that went away, whose slices are still to be given back.
        var retired: [EntityKey: Entry] = [:]
    }

    private let state = Mutex(State())
    /// Whether any limit is defined: checked (one atomic load) before anything else is done for a request.
    let isActive = Atomic<Bool>(false)
    /// Whether any limit looks at the target: checked before each attempt of an admitted request.
    let checksTargets = Atomic<Bool>(false)
    /// This process among the replicas sharing the store.
    let replica: String
    /// A slice is at least this part of the limit (fewer trips to the store), and at least the request's worst case.
    let sliceFraction: Double
    private let logger: Logger

    init(replica: String, sliceFraction: Double = 0.1, logger: Logger) {
        self.replica = replica
        self.sliceFraction = sliceFraction
        self.logger = logger
    }

    /// The limits now defined (from the store's snapshot). Shares of limits that stay are kept; a limit whose
    /// amount changed keeps its share (its slice is judged against the new limit at the next lease).
    func replace(policies: [LimitPolicy]) {
        self.state.withLock { state in
            state.policies = policies.filter { !$0.scope.dependsOnTarget }
            state.targetPolicies = policies.filter(\.scope.dependsOnTarget)
            let ids = Set(policies.map(\.id))
            for (key, entry) in state.entries where !ids.contains(key.policy) {
                state.retired[key] = entry
                state.entries[key] = nil
            }
            for (key, var entry) in state.entries {
                if let policy = policies.first(where: { $0.id == key.policy }) {
                    entry.policy = policy
                    entry.periodEnd = 0
                }
                state.entries[key] = entry
            }
        }
        self.checksTargets.store(policies.contains(where: \.scope.dependsOnTarget), ordering: .releasing)
        self.isActive.store(!policies.isEmpty, ordering: .releasing)
    }

    /// Reserves `worstCase` (tokens and cents) for `subject` under every limit that applies — the limits on the
    /// request, or with `onTarget` the limits on the target of an attempt — or says what to lease first, or which
    /// limit refuses it. Nothing stays reserved unless the answer is `admitted` (whose ticket has the holds).
    func admit(
        _ subject: PolicySubject,
        onTarget: Bool = false,
        tokens: Double,
        costCents: Double?,
        now: Int
    ) -> Admission {
        self.state.withLock { state in
            var ticket = Ticket()
            var leases: [LeaseRequest] = []
            var refusal: Refusal?
            for policy in onTarget ? state.targetPolicies : state.policies {
                guard let value = policy.scope.entity(for: subject) else { continue }
                let key = EntityKey(policy: policy.id, value: value)
                let amount = policy.measure.amount(tokens: tokens, costCents: costCents)
                var entry = state.entries[key] ?? Entry(policy: policy, share: PolicyShare(period: ""))
                if now >= entry.periodEnd {
                    // The period is worked out again only when it ends (formatting its key costs microseconds).
                    let (period, end) = policy.period(at: now)
                    if entry.share.period < period { entry.share.moveTo(period) }
                    entry.periodEnd = end ?? Int.max
                }
                let period = entry.share.period
                let end: Int? = entry.periodEnd == Int.max ? nil : entry.periodEnd
                if entry.refusedUntil > now, refusal == nil {
                    refusal = Refusal(
                        policy: policy,
                        valueKey: value,
                        used: entry.share.knownUsed,
                        reserved: entry.share.reserved,
                        needed: amount,
                        resetIn: end.map { $0 - now }
                    )
                } else if entry.share.reserve(amount, now: now) {
                    ticket.holds.append((key, policy.measure, amount))
                } else {
                    let want = max(amount - entry.share.free, policy.limit * self.sliceFraction)
                    leases.append(LeaseRequest(key: key, limit: policy.limit, want: want, period: period))
                }
                state.entries[key] = entry
            }
            if refusal == nil, leases.isEmpty { return .admitted(ticket) }
            for hold in ticket.holds { state.entries[hold.key]?.share.release(hold.amount) }
            if let refusal { return .refused(refusal) }
            return .needsLease(leases)
        }
    }

    /// The store granted a slice.
    func granted(_ lease: PolicyLease, for request: LeaseRequest) {
        self.state.withLock { state in
            state.entries[request.key]?.share.granted(lease.granted, used: lease.used, period: lease.period)
        }
    }

    /// After leasing, the request still does not fit: the refusal to answer with. Further requests of the entity
    /// are refused for a second without asking the store.
    func refusal(after leases: [LeaseRequest], tokens: Double, costCents: Double?, now: Int) -> Refusal? {
        self.state.withLock { state in
            for lease in leases {
                guard var entry = state.entries[lease.key] else { continue }
                let amount = entry.policy.measure.amount(tokens: tokens, costCents: costCents)
                guard amount > entry.share.free else { continue }
                entry.refusedUntil = now + 1
                state.entries[lease.key] = entry
                return Refusal(
                    policy: entry.policy,
                    valueKey: lease.key.value,
                    used: entry.share.knownUsed,
                    reserved: entry.share.reserved,
                    needed: amount,
                    resetIn: entry.policy.period(at: now).end.map { $0 - now }
                )
            }
            return nil
        }
    }

    /// Gives reservations back unused (an attempt's, when the next one goes to another target).
    func release(_ holds: [Hold]) {
        guard !holds.isEmpty else { return }
        self.state.withLock { state in
            for hold in holds {
                if state.entries[hold.key] != nil {
                    state.entries[hold.key]!.share.release(hold.amount)
                } else {
                    state.retired[hold.key]?.share.release(hold.amount)
                }
            }
        }
    }

    /// A request ended: its reservations become what it used (`usage` as the provider reported it, or what a cut
    /// stream used so far; nothing when it never reached a provider).
    func settle(_ ticket: Ticket, usage: TokenUsage, costCents: Double?) {
        guard !ticket.holds.isEmpty || !ticket.targetHolds.isEmpty else { return }
        var alerts: [(LimitPolicy, String, Double)] = []
        self.state.withLock { state in
            func settle(_ hold: Hold) {
                let used = hold.measure.amount(tokens: Double(usage.totalTokens), costCents: costCents)
                guard var entry = state.entries[hold.key] ?? state.retired[hold.key] else { return }
                entry.share.settle(hold.amount, used: used)
                if let threshold = entry.policy.alertThreshold, entry.share.knownUsed >= threshold,
                    entry.alertedIn != entry.share.period
                {
                    entry.alertedIn = entry.share.period
                    alerts.append((entry.policy, hold.key.value, entry.share.knownUsed))
                }
                if state.entries[hold.key] != nil {
                    state.entries[hold.key] = entry
                } else {
                    state.retired[hold.key] = entry
                }
            }
            // Two loops rather than one over the joined lists: no array is made per request.
            for hold in ticket.holds { settle(hold) }
            for hold in ticket.targetHolds { settle(hold) }
        }
        for (policy, value, used) in alerts {
            self.logger.warning(
                "usage crossed a policy's alert threshold",
                metadata: [
                    "policy": "\(policy.owner)", "entity": "\(value)", "used": "\(used)",
                    "alert_threshold": "\(policy.alertThreshold ?? 0)", "limit": "\(policy.limit)",
                ]
            )
        }
    }

    /// What to tell the store now: usage since the last report, and the slices of shares idle since `idleBefore`
    /// (or of retired policies) given back.
    func report(idleBefore: Int) -> [PolicySettlement] {
        self.state.withLock { state in
            var settlements: [PolicySettlement] = []
            func add(_ key: EntityKey, _ share: PolicyShare, _ report: (used: Double, returned: Double)) {
                guard report.used > 0 || report.returned > 0 else { return }
                settlements.append(
                    PolicySettlement(
                        policyID: key.policy,
                        valueKey: key.value,
                        period: share.period,
                        used: report.used,
                        returned: report.returned
                    )
                )
            }
            for (key, var entry) in state.entries {
                let idle = entry.share.lastUse < idleBefore && entry.share.reserved == 0
                add(key, entry.share, entry.share.report(returning: idle))
                state.entries[key] = entry
            }
            for (key, var entry) in state.retired {
                add(key, entry.share, entry.share.report(returning: true))
                state.retired[key] = entry.share.reserved == 0 ? nil : entry
            }
            return settlements
        }
    }

    /// A report the store did not take: its usage is reported again next time, and the slices it gave back are
    /// this replica's again (the store still counts them as held).
    func unreport(_ settlements: [PolicySettlement]) {
        self.state.withLock { state in
            for item in settlements {
                let key = EntityKey(policy: item.policyID, value: item.valueKey)
                state.entries[key]?.share.unreport(item.used, returned: item.returned, period: item.period)
            }
        }
    }

    /// Usage was reset through the API (for one entity, or all of a policy's).
    func usageReset(policy: String, valueKey: String?) {
        self.state.withLock { state in
            for (key, var entry) in state.entries where key.policy == policy {
                guard valueKey == nil || key.value == valueKey else { continue }
                entry.share.resetKnownUsage()
                entry.refusedUntil = 0
                state.entries[key] = entry
            }
        }
    }

    /// Every entity this replica knows, for the `/metrics` gauges: the policy, the entity, its usage and limit.
    func usageByEntity() -> [(policy: LimitPolicy, value: String, used: Double)] {
        self.state.withLock { state in
            state.entries.map { ($0.value.policy, $0.key.value, $0.value.share.knownUsed) }
        }
    }
}
