import Foundation
import SQLKit

/// Policies and their usage. Usage is kept per replica (`policy_shares`): what each replica used in the entity's
/// period and the slice of the allowance it holds. A slice is granted under a lock on the entity's row, only when
/// every replica's usage and live slices leave room, so replicas together never hold more than the limit.
extension SQLStore {
    private static func storedPolicy(_ row: any SQLRow) throws -> StoredPolicy {
        StoredPolicy(
            id: try row.decode(column: "id", as: String.self),
            kind: StoredPolicy.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .usageLimits,
            body: try row.decode(column: "body", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self)
        )
    }

    public func listPolicies() async throws -> [StoredPolicy] {
        try await self.database.raw("SELECT * FROM policies ORDER BY created_at, id").all().map(Self.storedPolicy)
    }

    public func policy(id: String) async throws -> StoredPolicy? {
        try await self.database.raw("SELECT * FROM policies WHERE id = \(bind: id)").first().map(Self.storedPolicy)
    }

    public func createPolicy(_ policy: StoredPolicy) async throws {
        try await self.transaction { db in
            try await db.raw(
                """
                INSERT INTO policies (id, kind, body, status, created_at, last_updated_at)
                VALUES (\(bind: policy.id), \(bind: policy.kind.rawValue), \(bind: policy.body), \(bind: policy.status),
                  \(bind: policy.createdAt), \(bind: policy.lastUpdatedAt))
                """
            ).run()
            try await Self.recordChange(db, entity: "policy", key: policy.id)
        }
    }

    public func updatePolicy(_ policy: StoredPolicy) async throws -> StoredPolicy? {
        try await self.transaction { db in
            let changed = try await db.raw(
                """
                UPDATE policies SET body = \(bind: policy.body), status = \(bind: policy.status),
                  last_updated_at = \(bind: policy.lastUpdatedAt)
                WHERE id = \(bind: policy.id) RETURNING *
                """
            ).first().map(Self.storedPolicy)
            if changed != nil { try await Self.recordChange(db, entity: "policy", key: policy.id) }
            return changed
        }
    }

    public func policyEntities(policyID: String) async throws -> [StoredPolicyEntity] {
        try await self.database.raw(
            """
            SELECT e.id, e.policy_id, e.value_key, e.period, e.last_reset_at, COALESCE(SUM(s.used), 0) AS used
            FROM policy_entities e LEFT JOIN policy_shares s
              ON s.policy_id = e.policy_id AND s.value_key = e.value_key AND s.period = e.period
            WHERE e.policy_id = \(bind: policyID)
            GROUP BY e.id, e.policy_id, e.value_key, e.period, e.last_reset_at
            ORDER BY e.value_key
            """
        ).all().map { row in
            StoredPolicyEntity(
                id: try row.decode(column: "id", as: String.self),
                policyID: try row.decode(column: "policy_id", as: String.self),
                valueKey: try row.decode(column: "value_key", as: String.self),
                period: try row.decode(column: "period", as: String.self),
                used: try row.decode(column: "used", as: Double.self),
                lastResetAt: try row.decode(column: "last_reset_at", as: String?.self)
            )
        }
    }

    /// Sets the usage of one entity (by `value_key`), or of every entity of the policy, back to 0; slices held
    /// by replicas stay theirs. False when there was nothing to reset.
    public func resetPolicyUsage(policyID: String, valueKey: String?) async throws -> Bool {
        try await self.transaction { db in
            let now = Timestamps.now()
            var entities: SQLQueryString =
                "UPDATE policy_entities SET last_reset_at = \(bind: now) WHERE policy_id = \(bind: policyID)"
            var shares: SQLQueryString = "UPDATE policy_shares SET used = 0 WHERE policy_id = \(bind: policyID)"
            if let valueKey {
                entities = entities + " AND value_key = \(bind: valueKey)"
                shares = shares + " AND value_key = \(bind: valueKey)"
            }
            let found = try await db.raw(entities + " RETURNING id").all()
            try await db.raw(shares).run()
            return !found.isEmpty
        }
    }

    /// Grants `replica` up to `want` of an entity's allowance in `period` (a later period than the stored one
    /// starts the entity again). Slices of replicas that have not renewed since `staleBefore` (seconds since the
    /// epoch) no longer count: a replica that died gives its slice back this way.
    public func leasePolicyAllowance(
        policyID: String,
        valueKey: String,
        period: String,
        replica: String,
        limit: Double,
        want: Double,
        now: Int64,
        staleBefore: Int64
    ) async throws -> PolicyLease {
        let lockRows = self.lockRows
        return try await self.transaction { db in
            try await db.raw(
                """
                INSERT INTO policy_entities (id, policy_id, value_key, period, last_reset_at)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: policyID), \(bind: valueKey), \(bind: period), NULL)
                ON CONFLICT (policy_id, value_key) DO NOTHING
                """
            ).run()
            let stored =
                try await db.raw(
                    "SELECT period FROM policy_entities WHERE policy_id = \(bind: policyID) AND value_key = \(bind: valueKey)"
                        + lockRows
                ).first()?.decode(column: "period", as: String.self) ?? period
            var current = stored
            if period > stored {
                current = period
                try await db.raw(
                    """
                    UPDATE policy_entities SET period = \(bind: period)
                    WHERE policy_id = \(bind: policyID) AND value_key = \(bind: valueKey)
                    """
                ).run()
                try await db.raw(
                    "DELETE FROM policy_shares WHERE policy_id = \(bind: policyID) AND value_key = \(bind: valueKey)"
                ).run()
            }
            let sums = try await db.raw(
                """
                SELECT COALESCE(SUM(used), 0) AS used,
                  COALESCE(SUM(CASE WHEN replica = \(bind: replica) OR renewed_at >= \(bind: staleBefore)
                    THEN leased ELSE 0 END), 0) AS leased
                FROM policy_shares
                WHERE policy_id = \(bind: policyID) AND value_key = \(bind: valueKey) AND period = \(bind: current)
                """
            ).first()
            let used = try sums?.decode(column: "used", as: Double.self) ?? 0
            let leased = try sums?.decode(column: "leased", as: Double.self) ?? 0
            let granted = max(0, min(want, limit - used - leased))
            try await db.raw(
                """
                INSERT INTO policy_shares (policy_id, value_key, replica, period, used, leased, renewed_at)
                VALUES (\(bind: policyID), \(bind: valueKey), \(bind: replica), \(bind: current), 0, \(bind: granted),
                  \(bind: now))
                ON CONFLICT (policy_id, value_key, replica) DO UPDATE SET
                  used = CASE WHEN policy_shares.period = excluded.period THEN policy_shares.used ELSE 0 END,
                  leased = CASE WHEN policy_shares.period = excluded.period
                    THEN policy_shares.leased + excluded.leased ELSE excluded.leased END,
                  period = excluded.period, renewed_at = excluded.renewed_at
                """
            ).run()
            return PolicyLease(granted: granted, used: used, period: current)
        }
    }

    /// Adds what `replica` used to its shares and gives back what it returns; renews all its shares.
    public func settlePolicyUsage(_ settlements: [PolicySettlement], replica: String, now: Int64) async throws {
        try await self.transaction { db in
            for item in settlements {
                let consumed = item.used + item.returned
                try await db.raw(
                    """
                    UPDATE policy_shares SET used = used + \(bind: item.used),
                      leased = CASE WHEN leased - \(bind: consumed) > 0 THEN leased - \(bind: consumed) ELSE 0 END
                    WHERE policy_id = \(bind: item.policyID) AND value_key = \(bind: item.valueKey)
                      AND replica = \(bind: replica) AND period = \(bind: item.period)
                    """
                ).run()
            }
            try await db.raw("UPDATE policy_shares SET renewed_at = \(bind: now) WHERE replica = \(bind: replica)")
                .run()
        }
    }
}
