import Foundation
import NIOPosix
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// The store's side of policies: slices granted only while every replica's usage and live slices fit the
/// limit, usage reported per replica and summed, stale replicas' slices reclaimed, new periods, resets.
@Suite struct PolicyStoreTests {
    static let policy = "usage_limits:p1"

    static func lease(
        _ store: SQLStore,
        _ replica: String,
        want: Double,
        period: String = "",
        now: Int64 = 1000,
        staleBefore: Int64 = 0
    ) async throws -> PolicyLease {
        try await store.leasePolicyAllowance(
            policyID: Self.policy,
            valueKey: "api_key:k",
            period: period,
            replica: replica,
            limit: 100,
            want: want,
            now: now,
            staleBefore: staleBefore
        )
    }

    static func report(
        _ store: SQLStore,
        _ replica: String,
        used: Double,
        returned: Double,
        period: String = ""
    )
        async throws
    {
        try await store.settlePolicyUsage(
            [
                PolicySettlement(
                    policyID: Self.policy,
                    valueKey: "api_key:k",
                    period: period,
                    used: used,
                    returned: returned
                )
            ],
            replica: replica,
            now: 1000
        )
    }

    @Test(arguments: TestStores.available)
    func slicesNeverAddUpToMoreThanTheLimit(kind: TestStores.Kind) async throws {
        try await StoreTests.withStore(kind) { store in
            #expect(try await Self.lease(store, "a", want: 60).granted == 60)
            #expect(try await Self.lease(store, "b", want: 60).granted == 40)
            #expect(try await Self.lease(store, "b", want: 10).granted == 0)
            // a used 30 of its slice and gives the rest back: 30 used, b holds 40, 30 free.
            try await Self.report(store, "a", used: 30, returned: 30)
            let lease = try await Self.lease(store, "b", want: 50)
            #expect(lease.granted == 30)
            #expect(lease.used == 30)
            try await Self.report(store, "b", used: 25, returned: 0)
            let entities = try await store.policyEntities(policyID: Self.policy)
            #expect(entities.count == 1)
            #expect(entities.first?.used == 55)
            #expect(entities.first?.valueKey == "api_key:k")
        }
    }

    @Test(arguments: TestStores.available)
    func aReplicaThatStoppedRenewingLosesItsSlice(kind: TestStores.Kind) async throws {
        try await StoreTests.withStore(kind) { store in
            let first = try await Self.lease(store, "a", want: 80, now: 1000)
            #expect(first.granted == 80)
            let second = try await Self.lease(store, "b", want: 80, now: 1010, staleBefore: 990)
            #expect(second.granted == 20)
            // Forty seconds later a has not renewed: its slice no longer counts.
            let later = try await Self.lease(store, "b", want: 80, now: 1040, staleBefore: 1010)
            #expect(later.granted == 80)
        }
    }

    @Test(arguments: TestStores.available)
    func aNewPeriodStartsTheEntityAgainAndResetsClearUsage(kind: TestStores.Kind) async throws {
        try await StoreTests.withStore(kind) { store in
            #expect(try await Self.lease(store, "a", want: 100, period: "2026-12-01T00:00:00Z").granted == 100)
            try await Self.report(store, "a", used: 90, returned: 10, period: "2026-12-01T00:00:00Z")
            #expect(try await Self.lease(store, "b", want: 10, period: "2026-12-01T00:00:00Z").granted == 10)
            // A late report for the old period does not count in the new one.
            let next = try await Self.lease(store, "b", want: 100, period: "2027-01-01T00:00:00Z")
            #expect(next.granted == 100)
            #expect(next.used == 0)
            try await Self.report(store, "a", used: 50, returned: 0, period: "2026-12-01T00:00:00Z")
            try await Self.report(store, "b", used: 70, returned: 0, period: "2027-01-01T00:00:00Z")
            #expect(try await store.policyEntities(policyID: Self.policy).first?.used == 70)
            #expect(try await store.resetPolicyUsage(policyID: Self.policy, valueKey: "api_key:k"))
            #expect(try await store.policyEntities(policyID: Self.policy).first?.used == 0)
            #expect(try await store.policyEntities(policyID: Self.policy).first?.lastResetAt != nil)
            #expect(try await !store.resetPolicyUsage(policyID: Self.policy, valueKey: "api_key:other"))
        }
    }

    @Test(arguments: TestStores.available)
    func policiesAreStoredAndArchived(kind: TestStores.Kind) async throws {
        try await StoreTests.withStore(kind) { store in
            let body = PolicyBody(
                conditions: [.init(key: "api_key", value: "*")],
                group_by: [.init(key: "api_key")],
                type: "tokens",
                credit_limit: 1000
            )
            let stored = StoredPolicy(id: "p1", kind: .usageLimits, body: body.text)
            let before = try await store.changeMark()
            try await store.createPolicy(stored)
            #expect(try await store.changeMark() > before)
            #expect(try await store.policy(id: "p1") == stored)
            var archived = stored
            archived.status = "archived"
            #expect(try await store.updatePolicy(archived)?.status == "archived")
            #expect(try await store.listPolicies().map(\.status) == ["archived"])
            #expect(PolicyBody(text: stored.body) == body)
            #expect(stored.limitID == "usage_limits:p1")
        }
    }
}
