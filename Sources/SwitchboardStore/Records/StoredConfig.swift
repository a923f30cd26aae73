/// A config as stored: its identity and its current version.
public struct StoredConfig: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var isDefault: Bool
    public var status: String
    public var createdAt: String
    public var lastUpdatedAt: String
    /// The current version's id and JSON text.
    public var versionID: String
    public var config: String
}
