import SwitchboardCore

/// An API key's `defaults` (stored as JSON text in ``StoredAPIKey/defaults``): what every request made with
/// the key gets unless it says otherwise.
public struct APIKeyDefaults: Codable, Sendable, Equatable {
    /// The config for requests that send none.
    public var config_id: String?
    /// Whether a request's own `x-portkey-config` wins (default true).
    public var allow_config_override: Bool?
    /// Metadata every request carries, under the request's own (which wins per key).
    public var metadata: JSONValue?

    public init(config_id: String? = nil, allow_config_override: Bool? = nil, metadata: JSONValue? = nil) {
        self.config_id = config_id
        self.allow_config_override = allow_config_override
        self.metadata = metadata
    }

    /// The defaults stored as `text`; none for text an older build wrote differently.
    public init(text: String) {
        self = SortedJSON.decode(Self.self, from: text) ?? Self()
    }

    /// The JSON text to store (keys sorted).
    public var text: String { SortedJSON.text(self) }
}
