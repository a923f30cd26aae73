public struct StoredConfigVersion: Sendable, Equatable {
    public var versionID: String
    public var name: String
    public var status: String
    public var config: String
    public var createdAt: String
}
