import Foundation
import SwitchboardCore
import SwitchboardStore

/// Portkey's analytics (`/v1/analytics/…`) over the request log: sums per time bucket are taken in SQL,
/// percentiles from the durations the store selects. Every graph needs `time_of_generation_min` and `_max`
/// and takes the logs' filters.
struct AnalyticsAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    func requests(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.totals(request, \.requests)
    }

    func cost(_ request: APIRequest) async throws -> ControlPlane.Response {
        let buckets = try await self.buckets(request)
        let cost = buckets.reduce(0) { $0 + $1.costCents }
        let requests = buckets.reduce(0) { $0 + $1.requests }
        return .json(
            AnalyticsGraph(
                summary: CostTotalAndAverage(total: Self.rounded(cost), avg: Self.rounded(Self.mean(cost, requests))),
                data_points: buckets.map {
                    Self.point(
                        $0.bucket,
                        CostTotalAndAverage(
                            total: Self.rounded($0.costCents),
                            avg: Self.rounded(Self.mean($0.costCents, $0.requests))
                        )
                    )
                }
            )
        )
    }

    func tokens(_ request: APIRequest) async throws -> ControlPlane.Response {
        let buckets = try await self.buckets(request)
        let tokens = buckets.reduce(0) { $0 + $1.tokens }
        let requests = buckets.reduce(0) { $0 + $1.requests }
        return .json(
            AnalyticsGraph(
                summary: TotalAndAverage(total: tokens, avg: Self.whole(Self.mean(Double(tokens), requests))),
                data_points: buckets.map {
                    Self.point(
                        $0.bucket,
                        TotalAndAverage(total: $0.tokens, avg: Self.whole(Self.mean(Double($0.tokens), $0.requests)))
                    )
                }
            )
        )
    }

    func errors(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.totals(request, \.errors)
    }

    func errorRate(_ request: APIRequest) async throws -> ControlPlane.Response {
        let buckets = try await self.buckets(request)
        let errors = Double(buckets.reduce(0) { $0 + $1.errors })
        let requests = buckets.reduce(0) { $0 + $1.requests }
        return .json(
            AnalyticsGraph(
                summary: Rate(rate: Self.whole(Self.mean(100 * errors, requests))),
                data_points: buckets.map {
                    Self.point($0.bucket, Rate(rate: Self.whole(Self.mean(100 * Double($0.errors), $0.requests))))
                }
            )
        )
    }

    func statusCodes(_ request: APIRequest) async throws -> ControlPlane.Response {
        let filter = try LogFilterQuery.filter(request.query, requireTimes: true)
        let counts = try await self.context.store.requestLogErrorCounts(filter: filter)
        return .json(
            AnalyticsGraph(
                summary: ErrorCodes(total_errors: counts.reduce(0) { $0 + $1.count }, unique_error_codes: counts.count),
                data_points: counts.map { StatusCount(status_code: $0.status, count: $0.count) }
            )
        )
    }

    func latency(_ request: APIRequest) async throws -> ControlPlane.Response {
        let filter = try LogFilterQuery.filter(request.query, requireTimes: true)
        let width = Self.bucketWidth(filter)
        let durations = try await self.context.store.requestLogDurations(filter: filter, width: width)
        var byBucket: [String: [Double]] = [:]
        for (bucket, ms) in durations { byBucket[bucket, default: []].append(ms) }
        return .json(
            AnalyticsGraph(
                summary: Self.latency(durations.map(\.ms)),
                data_points: byBucket.keys.sorted().map { Self.point($0, Self.latency(byBucket[$0]!)) }
            )
        )
    }

    func cacheHitRate(_ request: APIRequest) async throws -> ControlPlane.Response {
        let buckets = try await self.buckets(request)
        let hits = buckets.reduce(0) { $0 + $1.cacheHits }
        let requests = buckets.reduce(0) { $0 + $1.requests }
        var saved = 0.0
        var semanticSaved = 0.0
        return .json(
            AnalyticsGraph(
                summary: CacheHits(total: hits, rate: Self.whole(Self.mean(100 * Double(hits), requests))),
                data_points: buckets.map {
                    saved += $0.cacheSavedCents - $0.semanticSavedCents
                    semanticSaved += $0.semanticSavedCents
                    return Self.point(
                        $0.bucket,
                        CachePoint(
                            simple_hits: $0.cacheHits - $0.semanticHits,
                            semantic_hits: $0.semanticHits,
                            rate: Self.whole(Self.mean(100 * Double($0.cacheHits), $0.requests)),
                            cumulative_simple_cache_savings: Self.whole(saved),
                            cumulative_semantic_cache_savings: Self.whole(semanticSaved)
                        )
                    )
                }
            )
        )
    }

    /// `graphs/cache/latency`: the mean duration of the cache hits per bucket.
    func cacheLatency(_ request: APIRequest) async throws -> ControlPlane.Response {
        let buckets = try await self.buckets(request)
        return .json(
            AnalyticsGraph(
                summary: EmptyObject(),
                data_points: buckets.map {
                    Self.point(
                        $0.bucket,
                        CacheLatencyPoint(avg: Self.whole(Self.mean($0.cacheHitDurationMsSum, $0.cacheHits)))
                    )
                }
            )
        )
    }

    func cacheSummary(_ request: APIRequest) async throws -> ControlPlane.Response {
        let buckets = try await self.buckets(request)
        let requests = buckets.reduce(0) { $0 + $1.requests }
        let hits = buckets.reduce(0) { $0 + $1.cacheHits }
        let hitDuration = buckets.reduce(0) { $0 + $1.cacheHitDurationMsSum }
        let otherDuration = buckets.reduce(0) { $0 + $1.durationMsSum } - hitDuration
        let hitMean = Self.mean(hitDuration, hits)
        let otherMean = Self.mean(otherDuration, requests - hits)
        // How much faster a hit is than a request that was not one, in percent (0 without both kinds).
        let speedup = hits > 0 && requests > hits && otherMean > 0 ? 100 * (1 - hitMean / otherMean) : 0
        return .json(
            CacheSummary(
                summary: .init(
                    hits: hits,
                    avg_latency: Self.whole(hitMean),
                    total_requests: requests,
                    cache_speedup: Self.whole(speedup)
                )
            )
        )
    }

    // MARK: - Helpers

    /// A graph of one count per bucket and its sum.
    private func totals(
        _ request: APIRequest,
        _ count: KeyPath<RequestLogBucket, Int>
    ) async throws -> ControlPlane.Response {
        let buckets = try await self.buckets(request)
        return .json(
            AnalyticsGraph(
                summary: Total(total: buckets.reduce(0) { $0 + $1[keyPath: count] }),
                data_points: buckets.map { Self.point($0.bucket, Total(total: $0[keyPath: count])) }
            )
        )
    }

    private func buckets(_ request: APIRequest) async throws -> [RequestLogBucket] {
        let filter = try LogFilterQuery.filter(request.query, requireTimes: true)
        return try await self.context.store.requestLogBuckets(filter: filter, width: Self.bucketWidth(filter))
    }

    private static func point<Values: Encodable>(_ bucket: String, _ values: Values) -> TimePoint<Values> {
        let suffix = ["2026-11-22".count: "T00:00:00.000Z", "2026-11-22T03".count: ":00:00.000Z"][bucket.count]
        return Merged(base: Stamp(timestamp: bucket + (suffix ?? ":00.000Z")), extra: values)
    }

    /// Characters of the timestamp that make a bucket: minutes up to 2 hours, hours up to 3 days, else days.
    private static func bucketWidth(_ filter: RequestLogFilter) -> Int {
        guard let from = filter.timeMin.flatMap(Timestamps.epochMs(parsing:)),
            let to = filter.timeMax.flatMap(Timestamps.epochMs(parsing:))
        else { return 13 }
        let span = (to - from) / 1000
        return span <= 2 * 3600 ? 16 : span <= 3 * 86400 ? 13 : 10
    }

    /// Cents to six decimals: sums of binary fractions are shown without their noise.
    private static func rounded(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }

    private static func whole(_ value: Double) -> Int { Int(value.rounded()) }

    private static func mean(_ total: Double, _ count: Int) -> Double { count == 0 ? 0 : total / Double(count) }

    private static func latency(_ values: [Double]) -> Latency {
        guard !values.isEmpty else { return Latency(avg: 0, p50: 0, p90: 0, p99: 0) }
        func percentile(_ p: Double) -> Double {
            values[min(values.count - 1, Int((Double(values.count) * p).rounded(.up)) - 1)]
        }
        // Whole milliseconds, rounded up: a request that took any time at all never shows as 0 ms.
        return Latency(
            avg: Int((values.reduce(0, +) / Double(values.count)).rounded(.up)),
            p50: Int(percentile(0.5).rounded(.up)),
            p90: Int(percentile(0.9).rounded(.up)),
            p99: Int(percentile(0.99).rounded(.up))
        )
    }
}
