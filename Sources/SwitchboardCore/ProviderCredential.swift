/// A stored provider credential, decrypted and ready to route with: what `model: "@SLUG/MODEL"`,
/// `x-portkey-provider: @SLUG`, `x-portkey-virtual-key: SLUG` and a config's `virtual_key` name. The server
/// builds these from the store's snapshot; the resolver only reads them.
public struct ProviderCredential: Sendable {
    public var slug: String
    /// A configured provider's slug or a well-known provider id (`openai`, `anthropic` …).
    public var provider: String
    /// The secret sent upstream in the provider's own header; `nil` passes the client's key through.
    public var apiKey: String?
    /// Where to send requests instead of the provider's own address.
    public var baseURL: UpstreamURL?
    /// Why it cannot be used now, with the status to answer (400 archived, 500 its secret cannot be opened),
    /// or `nil`.
    public var unusable: (status: Int, reason: String)?
    /// When it stops working (`expires_at`, seconds since the epoch).
    public var expiresAt: Double?

    public init(
        slug: String,
        provider: String,
        apiKey: String?,
        baseURL: UpstreamURL? = nil,
        unusable: (status: Int, reason: String)? = nil
    ) {
        self.slug = slug
        self.provider = provider
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.unusable = unusable
    }
}

/// A model of the models registry (`/api/v0/models`), ready to route with: requests naming its id (or, for
/// the project's default, naming no model) go to its provider with its key and address, its model name, and
/// its parameters as defaults under the request's own values.
public struct RegistryModel: Sendable {
    public var id: String
    /// A configured provider's slug or a well-known provider id.
    public var provider: String
    public var model: String
    public var apiKey: String?
    public var baseURL: UpstreamURL?
    /// Body members set when the request does not set them (JSON values by key).
    public var defaults: [(key: String, json: [UInt8])]

    public init(
        id: String,
        provider: String,
        model: String,
        apiKey: String? = nil,
        baseURL: UpstreamURL? = nil,
        defaults: [(key: String, json: [UInt8])] = []
    ) {
        self.id = id
        self.provider = provider
        self.model = model
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.defaults = defaults
    }
}
