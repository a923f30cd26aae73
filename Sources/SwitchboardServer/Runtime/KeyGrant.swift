import SwitchboardCore
import SwitchboardStore

/// What a valid gateway API key allows.
struct KeyGrant: Sendable {
    var id: String
    var scopes: Set<String>
    /// `defaults.config_id`: the config for requests that send none.
    var defaultConfig: String?
    /// `defaults.allow_config_override` (default true): whether a request's own `x-portkey-config` wins.
    var allowConfigOverride: Bool
    /// `defaults.metadata`: metadata every request with this key carries, under the request's own
    /// `x-portkey-metadata` (which wins per key).
    var defaultMetadata: [(key: String, value: JSONValue)] = []
    /// For a key replaced by a rotation: when it stops working (ISO-8601, compared as text).
    var validUntil: String?
    /// The key's own `expires_at` (seconds since the epoch): after it, requests get 401.
    var expiresAt: Double?

    /// `SWITCHBOARD_ADMIN_KEY`'s grant: every scope, no defaults.
    static let admin = KeyGrant(id: "admin-key", scopes: ["admin"], defaultConfig: nil, allowConfigOverride: true)

    init(id: String, scopes: Set<String>, defaultConfig: String?, allowConfigOverride: Bool) {
        self.id = id
        self.scopes = scopes
        self.defaultConfig = defaultConfig
        self.allowConfigOverride = allowConfigOverride
    }

    init(_ key: StoredAPIKey) {
        self.id = key.id
        self.scopes = Set(key.scopes.compactMap(APIKeys.localScope))
        let defaults = APIKeyDefaults(text: key.defaults)
        self.defaultConfig = defaults.config_id
        self.allowConfigOverride = defaults.allow_config_override ?? true
        self.defaultMetadata = defaults.metadata?.members ?? []
        self.expiresAt = APIKeyLimits(text: key.limits).expires_at.flatMap(Timestamps.epochMs(parsing:)).map {
            Double($0) / 1000
        }
    }

    /// Inference (the data plane) needs `inference` or `admin`; control-plane reads `read` or `admin`;
    /// control-plane writes `admin`.
    func allows(_ access: Access) -> Bool {
        switch access {
        case .inference: !self.scopes.isDisjoint(with: ["inference", "admin"])
        case .read: !self.scopes.isDisjoint(with: ["read", "admin"])
        case .write: self.scopes.contains("admin")
        }
    }

    enum Access: String {
        case inference, read, write
    }
}
