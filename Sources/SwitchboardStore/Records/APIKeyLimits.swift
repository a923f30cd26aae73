import SwitchboardCore

/// An API key's own limits (stored as JSON text in ``StoredAPIKey/limits``), enforced like policies whose
/// condition is the key: `rate_limits`, `usage_limits`, and `expires_at` (the key stops working then).
public struct APIKeyLimits: Codable, Sendable, Equatable {
    public var rate_limits: [RateLimit]?
    public var usage_limits: UsageLimits?
    public var expires_at: String?

    public init(rate_limits: [RateLimit]? = nil, usage_limits: UsageLimits? = nil, expires_at: String? = nil) {
        self.rate_limits = rate_limits
        self.usage_limits = usage_limits
        self.expires_at = expires_at
    }

    /// The limits stored as `text`; none for text an older build wrote differently.
    public init(text: String) {
        self = SortedJSON.decode(Self.self, from: text) ?? Self()
    }

    /// The JSON text to store (keys sorted).
    public var text: String { SortedJSON.text(self) }
}
