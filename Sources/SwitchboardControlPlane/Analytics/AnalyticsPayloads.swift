/// Portkey's analytics graph: `{summary, data_points, object: "analytics-graph"}`.
struct AnalyticsGraph<Summary: Encodable, Point: Encodable>: Encodable {
    var summary: Summary
    var data_points: [Point]
    var object = "analytics-graph"
}

/// A point of a graph over time: its bucket's start and its values.
typealias TimePoint<Values: Encodable> = Merged<Stamp, Values>

struct Stamp: Encodable {
    var timestamp: String
}

struct Total: Encodable {
    var total: Double
}

struct TotalAndAverage: Encodable {
    var total: Double
    var avg: Double
}

struct Rate: Encodable {
    var rate: Double
}

struct Latency: Encodable {
    var avg: Double
    var p50: Double
    var p90: Double
    var p99: Double
}

struct ErrorCodes: Encodable {
    var total_errors: Int
    var unique_error_codes: Int
}

struct StatusCount: Encodable {
    var status_code: Int
    var count: Int
}

struct CacheHits: Encodable {
    var total: Double
    var rate: Double
}

struct CachePoint: Encodable {
    var simple_hits: Int
    var semantic_hits = 0
    var rate: Double
    var cumulative_simple_cache_savings = 0
    var cumulative_semantic_cache_savings = 0
}

/// `summary/cache`: `{summary:{hits, avg_latency, total_requests, cache_speedup}, object: "analytics-summary"}`.
struct CacheSummary: Encodable {
    struct Summary: Encodable {
        var hits: Double
        var avg_latency: Double
        var total_requests: Double
        var cache_speedup = 0
    }
    var summary: Summary
    var object = "analytics-summary"
}
