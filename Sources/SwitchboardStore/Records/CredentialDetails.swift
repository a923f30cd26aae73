import SwitchboardCore

/// The fields of a credential's view kept besides its columns (stored as JSON text in
/// ``StoredCredential/details``): Portkey's virtual-key, provider and integration fields.
public struct CredentialDetails: Codable, Sendable, Equatable {
    /// A virtual key's or provider's note.
    public var note: String?
    public var expires_at: String?
    /// An integration's description.
    public var description: String?
    /// Where the provider's API is, when not its usual place.
    public var custom_host: String?
    /// An integration's provider settings (`custom_host` among them).
    public var configurations: JSONValue?
    public var usage_limits: UsageLimits?
    public var rate_limits: [RateLimit]?
    public var secret_mappings: [SecretMapping]?
    public var model_config: JSONValue?

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case note, expires_at, description, custom_host, configurations, usage_limits, rate_limits
        case secret_mappings, model_config
    }

    /// Field by field, so that one field an older build stored differently does not lose the others.
    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.note = try? fields.decodeIfPresent(String.self, forKey: .note)
        self.expires_at = try? fields.decodeIfPresent(String.self, forKey: .expires_at)
        self.description = try? fields.decodeIfPresent(String.self, forKey: .description)
        self.custom_host = try? fields.decodeIfPresent(String.self, forKey: .custom_host)
        self.configurations = try? fields.decodeIfPresent(JSONValue.self, forKey: .configurations)
        self.usage_limits = try? fields.decodeIfPresent(UsageLimits.self, forKey: .usage_limits)
        self.rate_limits = try? fields.decodeIfPresent([RateLimit].self, forKey: .rate_limits)
        self.secret_mappings = try? fields.decodeIfPresent([SecretMapping].self, forKey: .secret_mappings)
        self.model_config = try? fields.decodeIfPresent(JSONValue.self, forKey: .model_config)
    }

    /// The details stored as `text`; none for text an older build wrote differently.
    public init(text: String) {
        self = SortedJSON.decode(Self.self, from: text) ?? Self()
    }

    /// The JSON text to store (keys sorted).
    public var text: String { SortedJSON.text(self) }

    /// `custom_host`, at the top or under `configurations`.
    public var baseURL: UpstreamURL? {
        (self.custom_host ?? self.configurations?["custom_host"]?.string).flatMap(UpstreamURL.init(parsing:))
    }
}
