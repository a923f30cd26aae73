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
    var total: Int
}

struct TotalAndAverage: Encodable {
    var total: Int
    var avg: Int
}

/// Cost in cents keeps its fraction: a request costs a fraction of a cent, and whole cents would show most
/// traffic as free (a deliberate difference from the schema's integer, docs/control-plane.md).
struct CostTotalAndAverage: Encodable {
    var total: Double
    var avg: Double
}

/// A percentage, whole.
struct Rate: Encodable {
    var rate: Int
}

/// Milliseconds, whole.
struct Latency: Encodable {
    var avg: Int
    var p50: Int
    var p90: Int
    var p99: Int
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
    var total: Int
    var rate: Int
}

struct CachePoint: Encodable {
    var simple_hits: Int
    var semantic_hits = 0
    var rate: Int
    var cumulative_simple_cache_savings = 0
    var cumulative_semantic_cache_savings = 0
}

/// A `graphs/cache/latency` point: the mean duration of the bucket's cache hits, in ms.
struct CacheLatencyPoint: Encodable {
    var avg: Int
}

/// `summary/cache`: `{summary:{hits, avg_latency, total_requests, cache_speedup}, object: "analytics-summary"}`.
struct CacheSummary: Encodable {
    struct Summary: Encodable {
        var hits: Int
        var avg_latency: Int
        var total_requests: Int
        var cache_speedup = 0
    }
    var summary: Summary
    var object = "analytics-summary"
}
