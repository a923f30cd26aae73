import SwitchboardCore

/// A policy's fields as stored (``StoredPolicy/body``) and as the policies API shows them: Portkey's
/// usage-limits (`type` cost|tokens, `credit_limit`, `alert_threshold`, `periodic_reset`) and rate-limits
/// (`type` requests|tokens, `unit`, `value`) policies. The control plane checks them before they are stored.
public struct PolicyBody: Codable, Sendable, Equatable {
    public struct Condition: Codable, Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public struct GroupBy: Codable, Sendable, Equatable {
        public var key: String

        public init(key: String) { self.key = key }
    }

    public var name: String?
    public var conditions: [Condition]
    public var group_by: [GroupBy]
    public var type: String
    public var credit_limit: Double?
    public var alert_threshold: Double?
    public var periodic_reset: String?
    public var unit: String?
    public var value: Double?

    public init(
        name: String? = nil,
        conditions: [Condition],
        group_by: [GroupBy],
        type: String,
        credit_limit: Double? = nil,
        alert_threshold: Double? = nil,
        periodic_reset: String? = nil,
        unit: String? = nil,
        value: Double? = nil
    ) {
        self.name = name
        self.conditions = conditions
        self.group_by = group_by
        self.type = type
        self.credit_limit = credit_limit
        self.alert_threshold = alert_threshold
        self.periodic_reset = periodic_reset
        self.unit = unit
        self.value = value
    }

    /// The body stored as `text`, or `nil` for text that is not one.
    public init?(text: String) {
        guard let body = SortedJSON.decode(Self.self, from: text) else { return nil }
        self = body
    }

    /// The JSON text to store (keys sorted).
    public var text: String { SortedJSON.text(self) }

    /// Which requests it counts, and under which entity.
    public var scope: PolicyScope {
        PolicyScope(
            conditions: self.conditions.map { PolicyScope.Condition(key: $0.key, value: $0.value) },
            groupBy: self.group_by.map(\.key)
        )
    }
}
