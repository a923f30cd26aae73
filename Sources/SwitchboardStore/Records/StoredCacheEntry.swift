import Foundation

/// A response cache entry as the store keeps it (docs/cache.md): shared by replicas, kept over restarts.
public struct StoredCacheEntry: Sendable, Equatable {
    /// The request's key (a SHA-256 digest in hex).
    public var key: String
    /// `x-portkey-cache-namespace`, or empty.
    public var namespace: String
    /// The id of the request whose answer this is.
    public var sourceID: String
    public var status: Int
    public var contentType: String
    public var eventStream: Bool
    public var body: Data
    public var promptTokens: Int
    public var completionTokens: Int
    public var costCents: Double?
    /// Seconds since the epoch.
    public var storedAt: Int64
    public var expiresAt: Int64

    public init(
        key: String,
        namespace: String,
        sourceID: String,
        status: Int,
        contentType: String,
        eventStream: Bool,
        body: Data,
        promptTokens: Int,
        completionTokens: Int,
        costCents: Double?,
        storedAt: Int64,
        expiresAt: Int64
    ) {
        self.key = key
        self.namespace = namespace
        self.sourceID = sourceID
        self.status = status
        self.contentType = contentType
        self.eventStream = eventStream
        self.body = body
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costCents = costCents
        self.storedAt = storedAt
        self.expiresAt = expiresAt
    }
}
