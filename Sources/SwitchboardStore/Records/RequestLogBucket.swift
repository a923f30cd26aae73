/// One time bucket of the request log, summed in the store.
public struct RequestLogBucket: Sendable, Equatable {
    /// The bucket's start (`2026-11-22T03`, `…T03:15` or `2026-11-22`, as the bucket width says).
    public var bucket: String
    public var requests: Int
    public var errors: Int
    public var costCents: Double
    public var tokens: Int
    public var durationMsSum: Double
    public var cacheHits: Int
    /// The summed durations of the cache hits.
    public var cacheHitDurationMsSum: Double = 0
    /// What the cache hits' answers cost when they were made.
    public var cacheSavedCents: Double = 0
    /// Of the hits, those a semantic match answered (`SEMANTIC HIT`), and what their answers cost.
    public var semanticHits = 0
    public var semanticSavedCents: Double = 0
}
