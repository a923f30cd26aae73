import SwitchboardCore
import SwitchboardStore

/// A virtual key or provider as Portkey shows it. Never the secret.
struct KeyCredentialItem: Encodable {
    var id: String
    var name: String
    var slug: String
    var status: String
    var created_at: String
    var last_updated_at: String
    var workspace_id = LocalTenant.id
    var object: String
    @Nullable var note: String? = nil
    /// Left out when none (the schema's object is not nullable).
    var usage_limits: UsageLimits?
    /// `null` when none: the portkey-ai SDK's provider listing expects an object there, not `[]`.
    @Nullable var rate_limits: [RateLimit]? = nil
    @Nullable var reset_usage: JSONValue? = nil
    var expires_at: String?
    /// A provider's integration.
    var integration_id: String?

    /// A virtual key's own fields.
    struct VirtualKeyFields: Encodable {
        var provider: String
        @Nullable var custom_host: String? = nil
        var model_config: JSONValue?
        var secret_mappings: [SecretMapping]
    }

    /// `credential` (a provider or a virtual key) as `view` shows it.
    static func make(_ credential: StoredCredential, view: CredentialKind) -> Merged<Self, VirtualKeyFields> {
        let details = CredentialDetails(text: credential.details)
        var limits = details.rate_limits
        if limits?.isEmpty == true { limits = nil }
        let item = Self(
            id: credential.id,
            name: credential.name,
            slug: credential.slug,
            status: credential.status,
            created_at: credential.createdAt,
            last_updated_at: credential.lastUpdatedAt,
            object: view == .provider ? "provider" : "virtual-key",
            note: details.note,
            usage_limits: details.usage_limits,
            rate_limits: limits,
            expires_at: details.expires_at,
            integration_id: credential.kind == .provider ? credential.integration : nil
        )
        guard credential.kind == .virtualKey else { return Merged(base: item, extra: nil) }
        return Merged(
            base: item,
            extra: VirtualKeyFields(
                provider: credential.provider,
                custom_host: details.custom_host,
                model_config: details.model_config,
                secret_mappings: details.secret_mappings ?? []
            )
        )
    }
}

/// An integration as Portkey shows it; a get shows more than a listing. Never the secret.
struct IntegrationItem: Encodable {
    var id: String
    var name: String
    var slug: String
    var status: String
    var created_at: String
    var last_updated_at: String
    var workspace_id = LocalTenant.id
    var organisation_id = LocalTenant.id
    var object = "integration"
    var ai_provider_id: String
    var description: String?
    /// Left out when empty: `{}` matches every provider's configuration schema at once.
    var configurations: JSONValue?

    /// What a get adds.
    struct Detail: Encodable {
        var masked_key: String?
        @Nullable var custom_host: String? = nil
        var type = "workspace"
        var owner_id = LocalTenant.id
        @Nullable var global_workspace_access: JSONValue? = nil
        @Nullable var global_workspace_access_settings: JSONValue? = nil
        var allow_all_models = true
        var workspace_count = 0
    }

    static func make(_ credential: StoredCredential, detailed: Bool) -> Merged<Self, Detail> {
        let details = CredentialDetails(text: credential.details)
        let item = Self(
            id: credential.id,
            name: credential.name,
            slug: credential.slug,
            status: credential.status,
            created_at: credential.createdAt,
            last_updated_at: credential.lastUpdatedAt,
            ai_provider_id: credential.provider,
            description: details.description,
            configurations: details.configurations.flatMap { $0.members?.isEmpty == false ? $0 : nil }
        )
        let detail = Detail(masked_key: credential.secretHint, custom_host: details.custom_host)
        return Merged(base: item, extra: detailed ? detail : nil)
    }
}

/// What a create answers.
struct CredentialCreated: Encodable {
    struct Data: Encodable { var slug: String }
    var success = true
    var id: String
    var slug: String
    /// A virtual key's slug again, where Portkey's SDK reads it.
    var data: Data?
    var default_provider_slug: String?
}
