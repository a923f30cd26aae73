/// A usage-limit or rate-limit policy (Portkey's policies API): its fields as JSON text, so that the store
/// need not know them.
public struct StoredPolicy: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case usageLimits = "usage_limits"
        case rateLimits = "rate_limits"
    }

    public var id: String
    public var kind: Kind
    /// JSON object: name, conditions, group_by, type, and credit_limit… or unit and value.
    public var body: String
    /// `active`, or `archived` once deleted (kept for listings that ask for archived ones).
    public var status: String
    public var createdAt: String
    public var lastUpdatedAt: String

    /// The id its limit is enforced and its usage kept under (``LimitPolicy/id``): `usage_limits:<id>`.
    public var limitID: String { self.kind.rawValue + ":" + self.id }

    public init(
        id: String,
        kind: Kind,
        body: String,
        status: String = "active",
        createdAt: String = Timestamps.now(),
        lastUpdatedAt: String = Timestamps.now()
    ) {
        self.id = id
        self.kind = kind
        self.body = body
        self.status = status
        self.createdAt = createdAt
        self.lastUpdatedAt = lastUpdatedAt
    }
}

/// One entity of a policy (a `group_by` value) as the store sums it over every replica's share.
public struct StoredPolicyEntity: Sendable, Equatable {
    public var id: String
    public var policyID: String
    public var valueKey: String
    /// The period the usage is counted in (its start, ISO-8601; empty for a cumulative limit).
    public var period: String
    public var used: Double
    public var lastResetAt: String?

    public init(id: String, policyID: String, valueKey: String, period: String, used: Double, lastResetAt: String?) {
        self.id = id
        self.policyID = policyID
        self.valueKey = valueKey
        self.period = period
        self.used = used
        self.lastResetAt = lastResetAt
    }
}

/// What a replica reports for one entity: usage since its last report, and the part of its slice it gives back.
public struct PolicySettlement: Sendable, Equatable {
    public var policyID: String
    public var valueKey: String
    public var period: String
    public var used: Double
    public var returned: Double

    public init(policyID: String, valueKey: String, period: String, used: Double, returned: Double) {
        self.policyID = policyID
        self.valueKey = valueKey
        self.period = period
        self.used = used
        self.returned = returned
    }
}

/// A slice of an entity's allowance granted to one replica, and the entity's usage over all replicas then.
public struct PolicyLease: Sendable, Equatable {
    public var granted: Double
    public var used: Double
    /// The period the store counts in now: later than the one asked for when another replica moved it on.
    public var period: String

    public init(granted: Double, used: Double, period: String) {
        self.granted = granted
        self.used = used
        self.period = period
    }
}
