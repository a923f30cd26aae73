import Foundation
import SwitchboardCore
import SwitchboardStore

/// `POST /v1/policies/usage-limits` and `/v1/policies/rate-limits`, and their `PUT`s: every field checked, a
/// refusal names it. On a create `conditions`, `group_by`, `type` and the limit are required.
struct PolicyInput: Decodable {
    var name: String?
    var conditions: [PolicyBody.Condition]?
    var group_by: [PolicyBody.GroupBy]?
    var type: String?
    var credit_limit: Double?
    var alert_threshold: Patch<Double> = .absent
    var periodic_reset: Patch<String> = .absent
    var unit: String?
    var value: Double?
    var reset_usage_for_value: String?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, conditions, group_by, type, credit_limit, alert_threshold, periodic_reset, unit, value
        case reset_usage_for_value, workspace_id, organisation_id
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        // Only alert_threshold and periodic_reset take null.
        try fields.refuseNull(CodingKeys.allCases.filter { $0 != .alert_threshold && $0 != .periodic_reset })
        if let name = try fields.optional(String.self, .name) {
            guard name.count <= 255 else { throw fields.invalid(.name, "must be at most 255 characters.") }
            self.name = name
        }
        if fields.contains(.conditions) {
            guard let conditions = try? fields.decode([PolicyBody.Condition].self, forKey: .conditions),
                !conditions.isEmpty
            else {
                throw fields.invalid(.conditions, "must be a non-empty list of {key, value} (strings).")
            }
            for (index, condition) in conditions.enumerated() {
                guard PolicyScope.isKnown(condition.key) else {
                    throw Self.unknownKey("conditions[\(index)].key", condition.key)
                }
                guard !condition.value.isEmpty else {
                    throw APIFailure(400, "'conditions[\(index)].value' must be a non-empty string ('*' matches any).")
                }
            }
            self.conditions = conditions
        }
        if fields.contains(.group_by) {
            guard let groups = try? fields.decode([PolicyBody.GroupBy].self, forKey: .group_by), !groups.isEmpty else {
                throw fields.invalid(.group_by, "must be a non-empty list of {key} (strings).")
            }
            for (index, group) in groups.enumerated() where !PolicyScope.isKnown(group.key) {
                throw Self.unknownKey("group_by[\(index)].key", group.key)
            }
            self.group_by = groups
        }
        self.type = try fields.optional(String.self, .type)
        self.credit_limit = try Self.number(fields, .credit_limit)
        self.alert_threshold = try fields.patch(Double.self, .alert_threshold)
        if case .value(let threshold) = self.alert_threshold, threshold < 0 {
            throw fields.invalid(.alert_threshold, "must be a number ≥ 0.")
        }
        self.periodic_reset = try fields.patch(String.self, .periodic_reset)
        if case .value(let reset) = self.periodic_reset, PeriodicReset(rawValue: reset) == nil {
            throw fields.invalid(.periodic_reset, "must be \"weekly\", \"monthly\" or null (a cumulative limit).")
        }
        self.unit = try fields.choice(.unit, RateWindow.Unit.allCases.map(\.rawValue))
        self.value = try Self.number(fields, .value)
        if let value = self.value, value <= 0 { throw fields.invalid(.value, "must be a number > 0.") }
        self.reset_usage_for_value = try fields.optional(String.self, .reset_usage_for_value)
        _ = try fields.optional(String.self, .workspace_id)
        if let organisation = try fields.optional(String.self, .organisation_id), UUID(uuidString: organisation) == nil
        {
            throw fields.invalid(.organisation_id, "must be a UUID (the gateway's is \(LocalTenant.id)).")
        }
    }

    private static func number(_ fields: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Double? {
        guard fields.contains(key) else { return nil }
        guard let number = try? fields.decode(Double.self, forKey: key), number >= 0, number.isFinite else {
            throw fields.invalid(key, "must be a number ≥ 0.")
        }
        return number
    }

    private static func unknownKey(_ field: String, _ key: String) -> APIFailure {
        APIFailure(
            400,
            "'\(field)' is '\(key)'; it must be one of \(PolicyScope.keys.joined(separator: ", ")) or metadata.<field>."
        )
    }

    /// The body of a new policy of `kind`.
    func created(_ kind: StoredPolicy.Kind) throws -> PolicyBody {
        guard let conditions = self.conditions else {
            throw APIFailure(400, "'conditions' is required: a non-empty list of {key, value}.")
        }
        guard let groups = self.group_by else {
            throw APIFailure(400, "'group_by' is required: a non-empty list of {key}, e.g. [{\"key\": \"api_key\"}].")
        }
        var body = PolicyBody(name: self.name, conditions: conditions, group_by: groups, type: "")
        switch kind {
        case .usageLimits:
            guard let type = self.type, ["cost", "tokens"].contains(type) else {
                throw APIFailure(400, "'type' is required: \"cost\" (cents) or \"tokens\".")
            }
            guard let limit = self.credit_limit else {
                throw APIFailure(400, "'credit_limit' is required: a number ≥ 0 (cents for cost, or tokens).")
            }
            body.type = type
            body.credit_limit = limit
            body.alert_threshold = self.alert_threshold.applied(to: nil)
            body.periodic_reset = self.periodic_reset.applied(to: nil)
            try Self.checkThreshold(body)
        case .rateLimits:
            guard let type = self.type, ["requests", "tokens"].contains(type) else {
                throw APIFailure(400, "'type' is required: \"requests\" or \"tokens\".")
            }
            guard let unit = self.unit else {
                throw APIFailure(400, "'unit' is required: \"rpm\", \"rph\" or \"rpd\".")
            }
            guard let value = self.value else { throw APIFailure(400, "'value' is required: a number > 0.") }
            body.type = type
            body.unit = unit
            body.value = value
        }
        try self.refuseOthers(of: kind, creating: true)
        return body
    }

    /// `body` with this update applied.
    func updated(_ body: PolicyBody, _ kind: StoredPolicy.Kind) throws -> PolicyBody {
        try self.refuseOthers(of: kind, creating: false)
        var body = body
        if let name = self.name { body.name = name }
        switch kind {
        case .usageLimits:
            if let limit = self.credit_limit { body.credit_limit = limit }
            body.alert_threshold = self.alert_threshold.applied(to: body.alert_threshold)
            body.periodic_reset = self.periodic_reset.applied(to: body.periodic_reset)
            try Self.checkThreshold(body)
        case .rateLimits:
            if let unit = self.unit { body.unit = unit }
            if let value = self.value { body.value = value }
        }
        return body
    }

    /// Fields of the other kind, or that only a create (or only an update) takes, are refused by name.
    private func refuseOthers(of kind: StoredPolicy.Kind, creating: Bool) throws {
        var foreign: [String] = []
        switch kind {
        case .usageLimits:
            if self.unit != nil { foreign.append("unit") }
            if self.value != nil { foreign.append("value") }
        case .rateLimits:
            if self.credit_limit != nil { foreign.append("credit_limit") }
            if case .absent = self.alert_threshold {} else { foreign.append("alert_threshold") }
            if case .absent = self.periodic_reset {} else { foreign.append("periodic_reset") }
            if self.reset_usage_for_value != nil { foreign.append("reset_usage_for_value") }
        }
        if creating, self.reset_usage_for_value != nil, kind == .usageLimits { foreign.append("reset_usage_for_value") }
        if !creating {
            if self.conditions != nil { foreign.append("conditions") }
            if self.group_by != nil { foreign.append("group_by") }
            if self.type != nil { foreign.append("type") }
        }
        if let field = foreign.first {
            let what = kind == .usageLimits ? "a usage-limits policy" : "a rate-limits policy"
            throw APIFailure(
                400,
                "'\(field)' is not a field of \(what)\(creating ? "" : " update") (see docs/policies.md)."
            )
        }
    }

    private static func checkThreshold(_ body: PolicyBody) throws {
        if let threshold = body.alert_threshold, let limit = body.credit_limit, threshold >= limit {
            throw APIFailure(400, "'alert_threshold' must be less than 'credit_limit' (\(limit)).")
        }
    }
}

/// A policy as the API shows it (Portkey's `UsageLimitsPolicy` / `RateLimitsPolicy`).
struct PolicyItem: Encodable {
    var id: String
    var name: String?
    var conditions: [PolicyBody.Condition]
    var group_by: [PolicyBody.GroupBy]
    var type: String
    var credit_limit: Double?
    var alert_threshold: Double?
    var periodic_reset: String?
    var periodic_reset_days: Int?
    var next_usage_reset_at: String?
    var last_reset_at: String?
    var unit: String?
    var value: Double?
    var status: String
    var workspace_id = LocalTenant.id
    var organisation_id = LocalTenant.id
    var created_at: String
    var last_updated_at: String
    var value_key_usage_map: [String: ValueKeyUsage]?
    var object: String
    private let isUsage: Bool

    struct ValueKeyUsage: Encodable {
        var current_usage: Double
        var status: String
        var is_threshold_alerts_sent: Bool
        var is_exhausted_alerts_sent: Bool
    }

    init(_ stored: StoredPolicy, body: PolicyBody, now: Int) {
        self.id = stored.id
        self.name = body.name
        self.conditions = body.conditions
        self.group_by = body.group_by
        self.type = body.type
        self.status = stored.status
        self.created_at = stored.createdAt
        self.last_updated_at = stored.lastUpdatedAt
        self.isUsage = stored.kind == .usageLimits
        self.object = self.isUsage ? "policy_usage_limits" : "policy_rate_limits"
        if self.isUsage {
            self.credit_limit = body.credit_limit
            self.alert_threshold = body.alert_threshold
            self.periodic_reset = body.periodic_reset
            if let reset = body.periodic_reset.flatMap(PeriodicReset.init(rawValue:)) {
                let date = Date(timeIntervalSince1970: TimeInterval(now))
                self.periodic_reset_days = reset.days(at: date)
                self.next_usage_reset_at = Timestamps.format(
                    epochMs: Int64(reset.nextReset(after: date).timeIntervalSince1970 * 1000)
                )
                self.last_reset_at = Timestamps.format(
                    epochMs: Int64(reset.periodStart(of: date).timeIntervalSince1970 * 1000)
                )
            }
        } else {
            self.unit = body.unit
            self.value = body.value
        }
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, conditions, group_by, type, credit_limit, alert_threshold, periodic_reset, periodic_reset_days
        case next_usage_reset_at, last_reset_at, unit, value, status, workspace_id, organisation_id, created_at
        case last_updated_at, value_key_usage_map, object
    }

    func encode(to encoder: any Encoder) throws {
        var out = encoder.container(keyedBy: CodingKeys.self)
        try out.encode(self.id, forKey: .id)
        try out.encode(self.name, forKey: .name)
        try out.encode(self.conditions, forKey: .conditions)
        try out.encode(self.group_by, forKey: .group_by)
        try out.encode(self.type, forKey: .type)
        if self.isUsage {
            try out.encode(self.credit_limit, forKey: .credit_limit)
            try out.encode(self.alert_threshold, forKey: .alert_threshold)
            try out.encode(self.periodic_reset, forKey: .periodic_reset)
            try out.encode(self.periodic_reset_days, forKey: .periodic_reset_days)
            try out.encode(self.next_usage_reset_at, forKey: .next_usage_reset_at)
            try out.encode(self.last_reset_at, forKey: .last_reset_at)
            try out.encodeIfPresent(self.value_key_usage_map, forKey: .value_key_usage_map)
        } else {
            try out.encode(self.unit, forKey: .unit)
            try out.encode(self.value, forKey: .value)
        }
        try out.encode(self.status, forKey: .status)
        try out.encode(self.workspace_id, forKey: .workspace_id)
        try out.encode(self.organisation_id, forKey: .organisation_id)
        try out.encode(self.created_at, forKey: .created_at)
        try out.encode(self.last_updated_at, forKey: .last_updated_at)
        try out.encode(self.object, forKey: .object)
    }
}

/// `{id, value_key, current_usage}`.
struct PolicyEntityItem: Encodable {
    var id: String
    var value_key: String
    var current_usage: Double
}

/// `{id, object}` of a created policy.
struct PolicyCreated: Encodable {
    var id: String
    var object: String
}

/// Portkey's list without the `success` member: `{object, data, total}`.
struct PolicyList<Item: Encodable>: Encodable {
    var object = "list"
    var data: [Item]
    var total: Int
}

/// `{}`.
struct EmptyObject: Encodable {}
