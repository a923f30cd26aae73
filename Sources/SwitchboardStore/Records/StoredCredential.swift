import Foundation

/// A provider credential as stored. The secret arrives sealed (AES-GCM under the server's master key): the
/// store never sees it in the clear.
public struct StoredCredential: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var kind: CredentialKind
    public var name: String
    /// The provider id (`openai`, `anthropic`, a configured provider's slug …); empty for a provider that
    /// takes it from its integration.
    public var provider: String
    /// The slug of the integration a provider draws on.
    public var integration: String?
    public var sealedSecret: String?
    /// The masked secret listings show (`sk-p…ab12`).
    public var secretHint: String?
    /// JSON object with the view's other fields (note, description, limits, configurations …).
    public var details: String
    public var status: String
    public var createdAt: String
    public var lastUpdatedAt: String

    public init(
        id: String = UUID().uuidString.lowercased(),
        slug: String,
        kind: CredentialKind,
        name: String,
        provider: String,
        integration: String? = nil,
        sealedSecret: String? = nil,
        secretHint: String? = nil,
        details: String = "{}",
        status: String = "active",
        createdAt: String = Timestamps.now(),
        lastUpdatedAt: String = Timestamps.now()
    ) {
        self.id = id
        self.slug = slug
        self.kind = kind
        self.name = name
        self.provider = provider
        self.integration = integration
        self.sealedSecret = sealedSecret
        self.secretHint = secretHint
        self.details = details
        self.status = status
        self.createdAt = createdAt
        self.lastUpdatedAt = lastUpdatedAt
    }
}
