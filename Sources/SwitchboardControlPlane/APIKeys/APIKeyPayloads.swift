import SwitchboardCore
import SwitchboardStore

/// `POST /v1/api-keys/{type}/{sub_type}` and `PUT /v1/api-keys/{id}`: on a create `name` and `scopes` are
/// required, on an update every field is optional.
struct APIKeyBody: Decodable {
    var name: String?
    var description: String?
    var scopes: [String]?
    var defaults: APIKeyDefaults?
    var status: String?
    var expires_at: Patch<String> = .absent
    var usage_limits: Patch<UsageLimits> = .absent
    var rate_limits: Patch<[RateLimit]> = .absent

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, scopes, defaults, status, expires_at, usage_limits, rate_limits
    }

    /// Also taken, and ignored: `workspace_id` (a gateway is one workspace) and what a GET shows that cannot be
    /// set, so that a GET's answer can be sent back as it is.
    private static let known = Set(
        CodingKeys.allCases.map(\.rawValue) + [
            "workspace_id", "id", "key", "type", "organisation_id", "created_at", "last_updated_at", "creation_mode",
            "object",
        ]
    )

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(otherThan: Self.known)
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        if fields.contains(.name) { self.name = try fields.name(.name, "a non-empty string") }
        self.description = try fields.optional(String.self, .description)
        if fields.contains(.scopes) {
            guard let scopes = try fields.optional([String].self, .scopes), !scopes.isEmpty else {
                throw fields.invalid(.scopes, "must be a non-empty list of strings.")
            }
            let unknown = scopes.filter { APIKeys.localScope($0) == nil }
            guard unknown.isEmpty else {
                throw APIFailure(
                    400,
                    "Unknown scope \(unknown.map { "'\($0)'" }.joined(separator: ", ")); scopes are "
                        + "\(APIKeys.scopes.sorted().joined(separator: ", ")) (admin includes the others), "
                        + "or Portkey's <resource>.<action> names such as completions.write or logs.view."
                )
            }
            self.scopes = scopes
        }
        if fields.contains(.defaults), try !fields.decodeNil(forKey: .defaults) {
            guard try fields.decode(JSONValue.self, forKey: .defaults).members != nil else {
                throw fields.invalid(.defaults, "must be an object: {config_id, allow_config_override, metadata}.")
            }
            self.defaults = try fields.decode(APIKeyDefaults.self, forKey: .defaults)
            if let metadata = self.defaults?.metadata, metadata.members == nil {
                throw APIFailure(400, "'defaults.metadata' must be an object.")
            }
        }
        self.status = try fields.choice(.status, ["active", "archived"])
        self.expires_at = try fields.patch(String.self, .expires_at)
        if case .value(let time) = self.expires_at, Timestamps.epochMs(parsing: time) == nil {
            throw fields.invalid(.expires_at, "must be an RFC 3339 date-time, e.g. 2027-01-01T00:00:00Z, or null.")
        }
        if fields.contains(.usage_limits), try !fields.decodeNil(forKey: .usage_limits),
            try fields.decode(JSONValue.self, forKey: .usage_limits).members == nil
        {
            throw fields.invalid(
                .usage_limits,
                "must be an object: {credit_limit, type, alert_threshold, periodic_reset}."
            )
        }
        self.usage_limits = try fields.patch(UsageLimits.self, .usage_limits)
        self.rate_limits = try fields.patch([RateLimit].self, .rate_limits)
    }

    /// `limits` with this body's `expires_at`, `usage_limits` and `rate_limits` applied.
    func limits(over text: String) -> String {
        var limits = APIKeyLimits(text: text)
        limits.expires_at = self.expires_at.applied(to: limits.expires_at)
        limits.usage_limits = self.usage_limits.applied(to: limits.usage_limits)
        limits.rate_limits = self.rate_limits.applied(to: limits.rate_limits)
        return limits.text
    }

    /// The fields a create needs.
    func checkCreate() throws {
        if self.name == nil { throw APIFailure(400, "'name' is required: a non-empty string.") }
        if self.scopes == nil {
            throw APIFailure(400, "'scopes' is required: a list of \(APIKeys.scopes.sorted().joined(separator: ", ")).")
        }
    }
}

/// `POST /v1/api-keys/{id}/rotate`.
struct RotateBody: Decodable {
    /// How long the old key keeps working, in milliseconds (0: it stops at once).
    var period = 0

    private enum CodingKeys: String, CodingKey {
        case key_transition_period_ms
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.period = try fields.integer(.key_transition_period_ms, in: 0...31 * 86_400_000) ?? 0
    }
}

/// An API key as listings show it: the hint, never the key.
struct APIKeyItem: Encodable {
    var id: String
    var key: String
    var name: String
    var description: String
    var type: String
    var organisation_id = LocalTenant.id
    var workspace_id = LocalTenant.id
    var status: String
    var created_at: String
    var last_updated_at: String
    var creation_mode = "api"
    var scopes: [String]
    var defaults: APIKeyDefaults
    var expires_at: String?
    var usage_limits: UsageLimits?
    var rate_limits: [RateLimit]?
    var object = "api-key"

    init(_ key: StoredAPIKey) {
        self.id = key.id
        self.key = key.keyHint
        self.name = key.name
        self.description = key.description
        self.type = key.type
        self.status = key.status
        self.created_at = key.createdAt
        self.last_updated_at = key.lastUpdatedAt
        self.scopes = key.scopes
        self.defaults = APIKeyDefaults(text: key.defaults)
        let limits = APIKeyLimits(text: key.limits)
        self.expires_at = limits.expires_at
        self.usage_limits = limits.usage_limits
        self.rate_limits = limits.rate_limits
    }
}

/// A new or rotated key: the only time the key itself is shown.
struct APIKeyIssued: Encodable {
    var success = true
    var id: String
    var key: String
    var key_transition_expires_at: String?
    var object = "api-key"
}
