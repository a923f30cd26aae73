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
    public var usage_limits: JSONValue?
    public var rate_limits: JSONValue?
    public var secret_mappings: JSONValue?
    public var model_config: JSONValue?

    public init() {}

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
