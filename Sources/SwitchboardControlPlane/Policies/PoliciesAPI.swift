import Foundation
import SwitchboardCore
import SwitchboardStore

/// Portkey's policies (`/v1/policies/usage-limits`, `/v1/policies/rate-limits`): limits on cost, tokens or
/// requests per entity (docs/policies.md). The data plane enforces them from the store's snapshot; usage is
/// kept per replica in the store and summed here.
struct PoliciesAPI<Kind: PolicyKind>: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    func create(_ request: APIRequest) async throws -> ControlPlane.Response {
        let body = try request.decode(PolicyInput.self).created(Kind.kind)
        let stored = StoredPolicy(id: UUID().uuidString.lowercased(), kind: Kind.kind, body: body.text)
        try await self.context.store.createPolicy(stored)
        try await self.context.host.storeChanged()
        return .json(PolicyCreated(id: stored.id, object: Kind.object))
    }

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        let status = try Self.status(request)
        let type = request.query["type"]
        if let type, !Kind.types.contains(type) {
            throw APIFailure(400, "'type' must be \(Kind.types.map { "\"\($0)\"" }.joined(separator: " or ")).")
        }
        let unit = request.query["unit"]
        if let unit, RateWindow.Unit(rawValue: unit) == nil || Kind.kind != .rateLimits {
            throw APIFailure(400, "'unit' must be \"rpm\", \"rph\" or \"rpd\" (rate-limits policies only).")
        }
        let now = Int(Date().timeIntervalSince1970)
        let items = try await self.context.store.listPolicies().compactMap { stored -> PolicyItem? in
            guard stored.kind == Kind.kind, stored.status == status, let body = PolicyBody(text: stored.body),
                type == nil || body.type == type, unit == nil || body.unit == unit
            else { return nil }
            return PolicyItem(stored, body: body, now: now)
        }
        let page = try Paging.page(items, query: request.query, defaultSize: 50)
        return .json(PolicyList(data: Array(page), total: items.count))
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (stored, body) = try await self.policy(request, status: try Self.status(request))
        var item = PolicyItem(stored, body: body, now: Int(Date().timeIntervalSince1970))
        if Kind.kind == .usageLimits, try request.flag("include_usage") == true {
            var map: [String: PolicyItem.ValueKeyUsage] = [:]
            for entity in try await self.entities(stored) {
                let exhausted = entity.current_usage >= (body.credit_limit ?? .infinity)
                map[entity.value_key] = .init(
                    current_usage: entity.current_usage,
                    status: exhausted ? "exhausted" : "active",
                    is_threshold_alerts_sent: body.alert_threshold.map { entity.current_usage >= $0 } ?? false,
                    is_exhausted_alerts_sent: exhausted
                )
            }
            item.value_key_usage_map = map
        }
        return .json(item)
    }

    func update(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (stored, body) = try await self.policy(request, status: "active")
        let input = try request.decode(PolicyInput.self)
        var changed = stored
        changed.body = try input.updated(body, Kind.kind).text
        changed.lastUpdatedAt = Timestamps.now()
        _ = try await self.context.store.updatePolicy(changed)
        if let value = input.reset_usage_for_value {
            await self.context.host.reportPolicyUsage()
            guard try await self.context.store.resetPolicyUsage(policyID: stored.limitID, valueKey: value) else {
                throw APIFailure(404, "Policy '\(stored.id)' has no usage for '\(value)' (value keys: GET …/entities).")
            }
            self.context.host.policyUsageReset(policy: stored.limitID, valueKey: value)
        }
        try await self.context.host.storeChanged()
        return .json(EmptyObject())
    }

    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        var (stored, _) = try await self.policy(request, status: "active")
        stored.status = "archived"
        stored.lastUpdatedAt = Timestamps.now()
        _ = try await self.context.store.updatePolicy(stored)
        try await self.context.host.storeChanged()
        return .json(EmptyObject())
    }

    func listEntities(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (stored, body) = try await self.policy(request, status: "active")
        let status = request.query["status"]
        if let status, !["active", "exhausted"].contains(status) {
            throw APIFailure(400, "'status' must be \"active\" or \"exhausted\".")
        }
        let search = request.query["search"]
        let limit = body.credit_limit ?? .infinity
        let entities = try await self.entities(stored).filter { entity in
            let exhausted = entity.current_usage >= limit
            return (status == nil || (status == "exhausted") == exhausted)
                && (search.map { entity.value_key.localizedCaseInsensitiveContains($0) } ?? true)
        }
        _ = try Paging.number(request.query, "page_size", 50, 1...100)
        let page = try Paging.page(entities, query: request.query, defaultSize: 50)
        return .json(PolicyList(data: Array(page), total: entities.count))
    }

    func resetEntity(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (stored, _) = try await self.policy(request, status: "active")
        let id = request.parameter("entityId")
        await self.context.host.reportPolicyUsage()
        guard
            let entity = try await self.context.store.policyEntities(policyID: stored.limitID).first(where: {
                $0.id == id
            })
        else { throw APIFailure(404, "Policy '\(stored.id)' has no entity '\(id)' (GET …/entities lists them).") }
        _ = try await self.context.store.resetPolicyUsage(policyID: stored.limitID, valueKey: entity.valueKey)
        self.context.host.policyUsageReset(policy: stored.limitID, valueKey: entity.valueKey)
        return .json(EmptyObject())
    }

    /// The policy the path names, with its body; 404 when there is none of this kind and status.
    private func policy(_ request: APIRequest, status: String) async throws -> (StoredPolicy, PolicyBody) {
        let id = request.parameter("id")
        guard let stored = try await self.context.store.policy(id: id), stored.kind == Kind.kind,
            stored.status == status, let body = PolicyBody(text: stored.body)
        else {
            throw APIFailure(404, "No \(status) \(Kind.noun) policy has id '\(id)' (GET \(Kind.path) lists them).")
        }
        return (stored, body)
    }

    /// The entities with their usage in the current period (0 for one whose last period has ended), after this
    /// replica reported what it used.
    private func entities(_ stored: StoredPolicy) async throws -> [PolicyEntityItem] {
        await self.context.host.reportPolicyUsage()
        let period = LimitPolicy(stored)?.period(at: Int(Date().timeIntervalSince1970)).key
        return try await self.context.store.policyEntities(policyID: stored.limitID).map { entity in
            PolicyEntityItem(
                id: entity.id,
                value_key: entity.valueKey,
                current_usage: entity.period == period || period == nil ? entity.used : 0
            )
        }
    }

    private static func status(_ request: APIRequest) throws -> String {
        let status = request.query["status"] ?? "active"
        guard ["active", "archived"].contains(status) else {
            throw APIFailure(400, "'status' must be \"active\" or \"archived\".")
        }
        return status
    }
}

/// The two kinds of policy the API serves, as types so that one API serves both.
protocol PolicyKind {
    static var kind: StoredPolicy.Kind { get }
    static var object: String { get }
    static var types: [String] { get }
    static var noun: String { get }
    static var path: String { get }
}

enum UsageLimitsKind: PolicyKind {
    static let kind = StoredPolicy.Kind.usageLimits
    static let object = "policy_usage_limits"
    static let types = ["cost", "tokens"]
    static let noun = "usage-limits"
    static let path = "/v1/policies/usage-limits"
}

enum RateLimitsKind: PolicyKind {
    static let kind = StoredPolicy.Kind.rateLimits
    static let object = "policy_rate_limits"
    static let types = ["requests", "tokens"]
    static let noun = "rate-limits"
    static let path = "/v1/policies/rate-limits"
}
