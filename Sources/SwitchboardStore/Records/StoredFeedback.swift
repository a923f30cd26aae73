/// Feedback on a traced request (`POST /v1/feedback`).
public struct StoredFeedback: Sendable, Equatable {
    public var id: String
    public var traceID: String
    public var value: Int
    public var weight: Double
    public var metadata: String
    public var createdAt: String

    public init(id: String, traceID: String, value: Int, weight: Double, metadata: String, createdAt: String) {
        self.id = id
        self.traceID = traceID
        self.value = value
        self.weight = weight
        self.metadata = metadata
        self.createdAt = createdAt
    }
}
