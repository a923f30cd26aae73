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
