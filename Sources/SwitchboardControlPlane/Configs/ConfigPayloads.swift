import SwitchboardCore
import SwitchboardStore

/// `POST /v1/configs`.
struct CreateConfigBody: Decodable {
    var name: String
    /// The Portkey config: an object, or its JSON text.
    var config: JSONValue
    var isDefault: Bool
    var slug: String?

    private enum CodingKeys: String, CodingKey {
        case name, config, is_default, isDefault, slug
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try fields.name(.name, "a non-empty string naming the config")
        guard let config = try fields.optional(JSONValue.self, .config) else {
            throw fields.invalid(.config, "is required: a Portkey config object.")
        }
        self.config = config
        self.isDefault = try fields.flag(.is_default) ?? fields.flag(.isDefault) ?? false
        self.slug = try fields.optional(String.self, .slug)
        if let slug = self.slug, !Slug.isValid(slug, allowingDots: false) {
            throw fields.invalid(.slug, "must use a-z, 0-9, '-' and '_' (at most 64 characters).")
        }
    }
}

/// `PUT /v1/configs/{slug}`: any of the fields.
struct UpdateConfigBody: Decodable {
    var name: String?
    var config: JSONValue?
    var status: String?

    private enum CodingKeys: String, CodingKey {
        case name, config, status
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        if fields.contains(.name) { self.name = try fields.name(.name, "a non-empty string") }
        self.config = try fields.optional(JSONValue.self, .config)
        self.status = try fields.choice(.status, ["active", "archived"])
    }
}

/// A config as Portkey shows it; `config` (the document) only on a get.
struct ConfigItem: Encodable {
    var id: String
    var name: String
    var slug: String
    var organisation_id = LocalTenant.id
    var workspace_id = LocalTenant.id
    /// 0 or 1, as Portkey answers it.
    var is_default: Int
    var status: String
    var owner_id = LocalTenant.id
    var updated_by = LocalTenant.id
    var created_at: String
    var last_updated_at: String
    var version_id: String
    var object = "config"
    var config: JSONValue?
    var format: String?
    var type: String?

    init(_ stored: StoredConfig, includeConfig: Bool) {
        self.id = stored.id
        self.name = stored.name
        self.slug = stored.slug
        self.is_default = stored.isDefault ? 1 : 0
        self.status = stored.status
        self.created_at = stored.createdAt
        self.last_updated_at = stored.lastUpdatedAt
        self.version_id = stored.versionID
        if includeConfig {
            self.config = JSONValue(parsing: Array(stored.config.utf8)) ?? .string(stored.config)
            self.format = "json"
            self.type = "ORG_CONFIG"
        }
    }

    /// One version of `stored`: its name, status and document (JSON text, as Portkey sends it) at the time.
    init(_ stored: StoredConfig, version: StoredConfigVersion) {
        self.init(stored, includeConfig: false)
        self.name = version.name
        self.status = version.status
        self.created_at = version.createdAt
        self.last_updated_at = version.createdAt
        self.version_id = version.versionID
        self.config = .string(version.config)
        self.format = "json"
        self.type = "ORG_CONFIG"
    }
}

/// What a create or an update answers.
struct ConfigWritten: Encodable {
    var id: String?
    var slug: String?
    var version_id: String
    var object = "config"
}
