import Foundation

/// A model of the models registry (`/api/v0/models`). `body` is its JSON without the API key, which is kept
/// sealed apart (`sealedAPIKey`) when it is a literal secret.
public struct StoredRegistryModel: Sendable, Equatable {
    public var project: String
    public var id: String
    public var body: String
    public var sealedAPIKey: String?
    /// Strong ETag, new on every write.
    public var etag: String
    public var isDefault: Bool
    public var createdAt: String
    public var updatedAt: String

    public init(
        project: String,
        id: String,
        body: String,
        sealedAPIKey: String? = nil,
        etag: String = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
        isDefault: Bool = false,
        createdAt: String = Timestamps.now(),
        updatedAt: String = Timestamps.now()
    ) {
        self.project = project
        self.id = id
        self.body = body
        self.sealedAPIKey = sealedAPIKey
        self.etag = etag
        self.isDefault = isDefault
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension StoredRegistryModel {
    /// The models registry's default project: the one inference reads.
    public static let defaultProject = "default"
}
