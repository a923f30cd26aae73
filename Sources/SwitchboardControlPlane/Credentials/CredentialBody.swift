import SwitchboardCore
import SwitchboardStore

/// A create or an update of a virtual key, provider or integration: every field any view takes, checked
/// for its type here; which fields a view requires is the API's to check.
struct CredentialBody: Decodable {
    var name: String?
    var slug: String?
    var status: String?
    /// A virtual key's provider id.
    var provider: String?
    /// An integration's provider id.
    var ai_provider_id: String?
    /// The integration a provider draws on.
    var integration_id: String?
    /// The provider's secret (never stored in the clear).
    var key: String?
    var note: Patch<String> = .absent
    var expires_at: Patch<String> = .absent
    var description: Patch<String> = .absent
    var custom_host: String?
    var configurations: JSONValue?
    var usage_limits: Patch<UsageLimits> = .absent
    /// One limit (the request schemas' `RateLimits`) or a list of them (what listings show).
    var rate_limits: Patch<[RateLimit]> = .absent
    var secret_mappings: Patch<[SecretMapping]> = .absent
    var model_config: Patch<JSONValue> = .absent
    var create_default_provider = false
    var default_provider_slug: String?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, slug, status, provider, ai_provider_id, integration_id, key, note, expires_at, description
        case custom_host, configurations, usage_limits, rate_limits, secret_mappings, model_config
        case create_default_provider, default_provider_slug
    }

    /// Also taken, and ignored: `workspace_id` (a gateway is one workspace) and what a GET shows that cannot be
    /// set, so that a GET's answer can be sent back as it is.
    private static let known = Set(
        CodingKeys.allCases.map(\.rawValue) + [
            "workspace_id", "id", "object", "created_at", "last_updated_at", "organisation_id", "reset_usage",
            "masked_key", "type", "owner_id", "global_workspace_access", "global_workspace_access_settings",
            "allow_all_models", "workspace_count",
        ]
    )

    init(from decoder: any Decoder) throws {
        try decoder.refuseFields(otherThan: Self.known)
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        if fields.contains(.name) { self.name = try fields.name(.name, "a non-empty string") }
        self.slug = try Self.slug(fields, .slug)
        self.default_provider_slug = try Self.slug(fields, .default_provider_slug)
        self.status = try fields.choice(.status, ["active", "archived"])
        self.provider = try fields.optional(String.self, .provider)
        self.ai_provider_id = try fields.optional(String.self, .ai_provider_id)
        self.integration_id = try fields.optional(String.self, .integration_id)
        self.key = try fields.optional(String.self, .key)
        self.note = try fields.patch(String.self, .note)
        self.expires_at = try fields.patch(String.self, .expires_at)
        if case .value(let time) = self.expires_at, Timestamps.epochMs(parsing: time) == nil {
            throw fields.invalid(.expires_at, "must be an RFC 3339 date-time, e.g. 2027-01-01T00:00:00Z.")
        }
        self.description = try fields.patch(String.self, .description)
        self.custom_host = try fields.optional(String.self, .custom_host)
        if let host = self.custom_host, UpstreamURL(parsing: host) == nil {
            throw fields.invalid(.custom_host, "must be an http:// or https:// URL, e.g. http://localhost:11434/v1.")
        }
        self.configurations = try fields.object(.configurations)
        if let host = self.configurations?["custom_host"], host.string.flatMap(UpstreamURL.init(parsing:)) == nil {
            throw APIFailure(400, "'configurations.custom_host' must be an http:// or https:// URL.")
        }
        if fields.contains(.usage_limits), try fields.decode(JSONValue.self, forKey: .usage_limits).members == nil,
            try !fields.decodeNil(forKey: .usage_limits)
        {
            throw fields.invalid(
                .usage_limits,
                "must be an object: {credit_limit, type, alert_threshold, periodic_reset}."
            )
        }
        self.usage_limits = try fields.patch(UsageLimits.self, .usage_limits)
        if fields.contains(.rate_limits), try !fields.decodeNil(forKey: .rate_limits) {
            if try fields.decode(JSONValue.self, forKey: .rate_limits).members != nil {
                self.rate_limits = .value([try fields.decode(RateLimit.self, forKey: .rate_limits)])
            } else {
                self.rate_limits = .value(try fields.decode([RateLimit].self, forKey: .rate_limits))
            }
        } else {
            self.rate_limits = try fields.patch([RateLimit].self, .rate_limits)
        }
        self.secret_mappings = try fields.patch([SecretMapping].self, .secret_mappings)
        self.model_config = try fields.patch(JSONValue.self, .model_config)
        if case .value(let config) = self.model_config, config.members == nil {
            throw fields.invalid(.model_config, "must be an object.")
        }
        self.create_default_provider = try fields.flag(.create_default_provider) ?? false
    }

    private static func slug(_ fields: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> String? {
        guard let slug = try fields.optional(String.self, key) else { return nil }
        guard Slug.isValid(slug, allowingDots: false) else {
            throw fields.invalid(key, "must use a-z, 0-9, '-' and '_' (at most 64 characters).")
        }
        return slug
    }

    /// The details of a credential of `kind` with this body's fields written over `current`.
    func details(over current: CredentialDetails, kind: CredentialKind) -> CredentialDetails {
        var details = current
        if kind == .integration {
            details.description = self.description.applied(to: details.description)
        } else {
            details.note = self.note.applied(to: details.note)
            details.expires_at = self.expires_at.applied(to: details.expires_at)
        }
        details.custom_host = self.custom_host ?? details.custom_host
        details.configurations = self.configurations ?? details.configurations
        details.usage_limits = self.usage_limits.applied(to: details.usage_limits)
        details.rate_limits = self.rate_limits.applied(to: details.rate_limits)
        details.secret_mappings = self.secret_mappings.applied(to: details.secret_mappings)
        details.model_config = self.model_config.applied(to: details.model_config)
        return details
    }
}
