/// An OpenRouter preset: a named, versioned bundle of model and parameters.
public struct StoredPreset: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var description: String?
    public var status: String
    public var designatedVersionID: String?
    public var createdAt: String
    public var updatedAt: String
    public var statusUpdatedAt: String?
}
