/// A gateway API key: its SHA-256 hash, never the key.
public struct StoredAPIKey: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var keyHash: String
    /// The masked key shown by listings (`sb-…abcd`).
    public var keyHint: String
    /// Portkey's key type, e.g. `workspace-service`.
    public var type: String
    public var scopes: [String]
    /// JSON object: `config_id`, `metadata`, `allow_config_override`.
    public var defaults: String
    public var status: String
    public var createdAt: String
    public var lastUpdatedAt: String
    /// After a rotation, the replaced key's hash stays valid until `previousKeyExpiresAt`.
    public var previousKeyHash: String?
    public var previousKeyExpiresAt: String?
    /// JSON object: the key's own `rate_limits`, `usage_limits` and `expires_at` (``APIKeyLimits``).
    public var limits: String

    public init(
        id: String,
        name: String,
        description: String,
        keyHash: String,
        keyHint: String,
        type: String,
        scopes: [String],
        defaults: String,
        status: String = "active",
        createdAt: String = Timestamps.now(),
        lastUpdatedAt: String = Timestamps.now(),
        previousKeyHash: String? = nil,
        previousKeyExpiresAt: String? = nil,
        limits: String = "{}"
    ) {
        self.limits = limits
        self.previousKeyHash = previousKeyHash
        self.previousKeyExpiresAt = previousKeyExpiresAt
        self.id = id
        self.name = name
        self.description = description
        self.keyHash = keyHash
        self.keyHint = keyHint
        self.type = type
        self.scopes = scopes
        self.defaults = defaults
        self.status = status
        self.createdAt = createdAt
        self.lastUpdatedAt = lastUpdatedAt
    }
}
