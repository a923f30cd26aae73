public struct StoredPresetVersion: Sendable, Equatable {
    public var id: String
    public var presetID: String
    /// 1, 2, … per preset.
    public var version: Int
    public var systemPrompt: String?
    /// JSON object text.
    public var config: String
    public var createdAt: String
    public var updatedAt: String
}
