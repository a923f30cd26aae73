import Foundation
import InMemoryLogging
import Logging
import SwitchboardCore
import SwitchboardStore
import Synchronization
import Testing

@testable import SwitchboardServer

/// The policy book without sockets or a store: admissions, leases, settlement and periods on an injected clock.
@Suite struct PolicyBookTests {
    static let scope = PolicyScope(
        conditions: [.init(key: "metadata.user_id", value: "*")],
        groupBy: ["metadata.user_id"]
    )
    static let alice = PolicySubject(metadata: ["user_id": "alice"])
    // 2026-12-31T23:59:00Z and a day later.
    static let december = 1_798_761_540
    static let january = 1_798_761_540 + 86_400

    static func book(_ policies: [LimitPolicy]) -> PolicyBook {
        let book = PolicyBook(replica: "r1", logger: Logger(label: "test"))
        book.replace(policies: policies)
        return book
    }

    /// Grants every lease asked for in full, out of a store-side count, as the store would.
    static func admit(
        _ book: PolicyBook,
        tokens: Double,
        now: Int,
        store: inout [String: (period: String, used: Double, leased: Double)]
    ) -> PolicyBook.Ticket? {
        var asked: [PolicyBook.LeaseRequest] = []
        for _ in 0..<3 {
            switch book.admit(Self.alice, tokens: tokens, costCents: nil, now: now) {
            case .admitted(let ticket): return ticket
            case .refused: return nil
            case .needsLease(let leases):
                asked = leases
                for lease in leases {
                    let key = lease.key.policy + "|" + lease.key.value
                    var entry = store[key] ?? (lease.period, 0, 0)
                    if lease.period > entry.period { entry = (lease.period, 0, 0) }
                    let granted = max(0, min(lease.want, lease.limit - entry.used - entry.leased))
                    entry.leased += granted
                    store[key] = entry
                    book.granted(PolicyLease(granted: granted, used: entry.used, period: entry.period), for: lease)
                }
            }
        }
        // As the handler does: the limit has no room; the refusal is remembered for a second.
        _ = book.refusal(after: asked, tokens: tokens, costCents: nil, now: now)
        return nil
    }

    @Test func aMonthlyBudgetStartsAgainInTheNextMonth() {
        let policy = LimitPolicy(
            id: "usage_limits:m",
            owner: "m",
            name: "monthly",
            scope: Self.scope,
            measure: .tokens,
            limit: 100,
            period: .periodic(.monthly)
        )
        let book = Self.book([policy])
        var store: [String: (period: String, used: Double, leased: Double)] = [:]
        var answered = 0
        while let ticket = Self.admit(book, tokens: 30, now: Self.december, store: &store) {
            book.settle(ticket, usage: Self.usage(25), costCents: nil)
            answered += 1
        }
        #expect(answered == 3)  // 3 × 25 used; a fourth needs 30 of the 25 left
        guard case .refused(let refusal) = book.admit(Self.alice, tokens: 30, costCents: nil, now: Self.december)
        else {
            Issue.record("expected the remembered refusal")
            return
        }
        #expect(refusal.policy.id == "usage_limits:m")
        #expect(refusal.valueKey == "metadata.user_id:alice")
        #expect(refusal.resetIn == 60)
        // A day later it is January: a new period, a new slice.
        let ticket = Self.admit(book, tokens: 30, now: Self.january, store: &store)
        #expect(ticket != nil)
        #expect(store["usage_limits:m|metadata.user_id:alice"]?.period == "2027-01-01T00:00:00Z")
    }

    /// Crossing `alert_threshold` logs one WARNING per period, naming the policy and the entity.
    @Test func crossingTheAlertThresholdWarnsOncePerPeriod() {
        let policy = LimitPolicy(
            id: "usage_limits:a",
            owner: "a",
            name: "alerting",
            scope: Self.scope,
            measure: .tokens,
            limit: 1000,
            period: .periodic(.monthly),
            alertThreshold: 50
        )
        let logs = InMemoryLogHandler()
        let book = PolicyBook(replica: "r1", logger: Logger(label: "test") { _ in logs })
        book.replace(policies: [policy])
        var store: [String: (period: String, used: Double, leased: Double)] = [:]
        func spend(_ tokens: Int, at now: Int) {
            guard let ticket = Self.admit(book, tokens: 30, now: now, store: &store) else {
                Issue.record("expected room for the request")
                return
            }
            book.settle(ticket, usage: Self.usage(tokens), costCents: nil)
        }
        spend(25, at: Self.december)
        #expect(logs.entries.isEmpty)  // 25 of 50
        spend(25, at: Self.december)  // 50: crossed
        spend(25, at: Self.december)  // 75: already said
        let warnings = logs.entries.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["policy"] == "a")
        #expect(warnings.first?.metadata["entity"] == "metadata.user_id:alice")
        #expect(warnings.first?.metadata["used"] == "50.0")
        // A new month starts below the threshold, and crossing it again is said again.
        spend(25, at: Self.january)
        spend(25, at: Self.january)
        #expect(logs.entries.filter { $0.level == .warning }.count == 2)
    }

    /// Limits on a virtual key are held per attempt: moving to another target gives the old holds back.
    @Test func limitsOnATargetAreAdmittedApartFromTheRequests() {
        let perKey = LimitPolicy(
            id: "virtual_key:vk-a:usage",
            owner: "vk-a",
            scope: PolicyScope(conditions: [.init(key: "virtual_key", value: "vk-a")], groupBy: []),
            measure: .tokens,
            limit: 100,
            period: .cumulative
        )
        let perUser = LimitPolicy(
            id: "usage_limits:u",
            owner: "u",
            scope: Self.scope,
            measure: .tokens,
            limit: 1000,
            period: .cumulative
        )
        let book = Self.book([perKey, perUser])
        let checksTargets = book.checksTargets.load(ordering: .relaxed)
        #expect(checksTargets)
        var store: [String: (period: String, used: Double, leased: Double)] = [:]
        // The request's own admission holds only the per-user limit …
        let ticket = Self.admit(book, tokens: 60, now: Self.december, store: &store)
        #expect(ticket?.holds.map(\.key.policy) == ["usage_limits:u"])
        // … the attempt to vk-a the per-key one, in a slice of its worst case: no room for another beside it.
        var atKey = Self.alice
        atKey.virtualKey = "vk-a"
        atKey.provider = "mock"
        func admitAttempt() -> PolicyBook.Admission {
            var admission = book.admit(atKey, onTarget: true, tokens: 60, costCents: nil, now: Self.december)
            if case .needsLease(let leases) = admission {
                for lease in leases {
                    book.granted(PolicyLease(granted: lease.want, used: 0, period: lease.period), for: lease)
                }
                admission = book.admit(atKey, onTarget: true, tokens: 60, costCents: nil, now: Self.december)
            }
            return admission
        }
        guard case .admitted(let attempt) = admitAttempt() else {
            Issue.record("expected the attempt admitted")
            return
        }
        #expect(attempt.holds.map(\.key.policy) == ["virtual_key:vk-a:usage"])
        if case .admitted = book.admit(atKey, onTarget: true, tokens: 60, costCents: nil, now: Self.december) {
            Issue.record("the slice leased holds only the first attempt's worst case")
        }
        // Released (the plan moved to another target): the next attempt fits again.
        book.release(attempt.holds)
        guard case .admitted = admitAttempt() else {
            Issue.record("expected room after the release")
            return
        }
    }

    @Test func aRequestRefusedByOneLimitHoldsNothingUnderTheOthers() {
        let budget = LimitPolicy(
            id: "usage_limits:b",
            owner: "b",
            scope: Self.scope,
            measure: .tokens,
            limit: 1000,
            period: .cumulative
        )
        let rate = LimitPolicy(
            id: "rate_limits:r",
            owner: "r",
            scope: Self.scope,
            measure: .requests,
            limit: 2,
            period: .window(.rpm)
        )
        let book = Self.book([budget, rate])
        var store: [String: (period: String, used: Double, leased: Double)] = [:]
        var tickets: [PolicyBook.Ticket] = []
        for _ in 0..<2 {
            if let ticket = Self.admit(book, tokens: 100, now: Self.december, store: &store) {
                tickets.append(ticket)
            }
        }
        #expect(tickets.count == 2)
        // The third request is refused by the rate limit (2 a minute)…
        let third = Self.admit(book, tokens: 100, now: Self.december, store: &store)
        #expect(third == nil)
        // …and its budget reservation was released: settling the two leaves exactly their usage.
        for ticket in tickets { book.settle(ticket, usage: Self.usage(80), costCents: nil) }
        let reports = book.report(idleBefore: 0)
        let used = reports.filter { $0.policyID == "usage_limits:b" }.reduce(0) { $0 + $1.used }
        #expect(used == 160)
        let requests = reports.filter { $0.policyID == "rate_limits:r" }.reduce(0) { $0 + $1.used }
        #expect(requests == 2)
    }

    @Test func noLimitsMeansInactive() {
        let book = Self.book([])
        let active = book.isActive.load(ordering: .relaxed)
        #expect(!active)
        let other = PolicySubject(metadata: ["team": "x"])
        let scoped = Self.book([
            LimitPolicy(
                id: "rate_limits:r",
                owner: "r",
                scope: Self.scope,
                measure: .requests,
                limit: 1,
                period: .window(.rpm)
            )
        ])
        // A request the policy does not count is admitted with nothing held.
        guard case .admitted(let ticket) = scoped.admit(other, tokens: 10, costCents: nil, now: Self.december) else {
            Issue.record("expected admission")
            return
        }
        #expect(ticket.holds.isEmpty)
    }

    static func usage(_ tokens: Int) -> TokenUsage {
        var usage = TokenUsage()
        usage.promptTokens = tokens
        usage.source = .reported
        return usage
    }
}
