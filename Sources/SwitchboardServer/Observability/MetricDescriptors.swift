import Prometheus

/// Every metric the gateway exposes, named and described in one place: `switchboard_` + name (+ `_total` for
/// counters, `_seconds` for durations). ``GatewayMetrics`` makes each handle from one of these.
struct MetricDescriptor: Sendable {
    enum Kind: Sendable {
        case counter, gauge, duration
    }

    let kind: Kind
    let name: String
    let help: String

    var descriptor: MetricNameDescriptor {
        let unit: String
        switch self.kind {
        case .counter: unit = "total"
        case .gauge: unit = ""
        case .duration: unit = "seconds"
        }
        return MetricNameDescriptor(
            namespace: "switchboard",
            metricName: self.name,
            unitName: unit,
            helpText: self.help
        )
    }

    // MARK: Requests

    static let requests = Self(
        kind: .counter,
        name: "requests",
        help: "Requests by provider, model, endpoint and HTTP status (499: the client went away)."
    )
    static let requestsInFlight = Self(
        kind: .gauge,
        name: "requests_in_flight",
        help: "Requests currently being served."
    )
    static let streamsInFlight = Self(
        kind: .gauge,
        name: "streams_in_flight",
        help: "Event streams currently being relayed."
    )
    static let requestDuration = Self(
        kind: .duration,
        name: "request_duration",
        help: "Time from the request head to the last response byte."
    )
    static let timeToFirstByte = Self(
        kind: .duration,
        name: "time_to_first_byte",
        help: "Time from the request head to the first response body byte (first token, for streams)."
    )
    static let gatewayOverhead = Self(
        kind: .duration,
        name: "gateway_overhead",
        help: "The gateway's own time: request duration minus the time the upstream took to answer the "
            + "attempt that was relayed."
    )

    // MARK: Usage

    static let tokens = Self(
        kind: .counter,
        name: "tokens",
        help: "Tokens by provider, model and type (prompt, completion, cached, reasoning), as reported or estimated."
    )
    static let cost = Self(kind: .counter, name: "cost_cents", help: "Cost in US cents by provider and model.")
    static let cacheHits = Self(
        kind: .counter,
        name: "cache_hits",
        help: "Requests answered from the response cache."
    )

    // MARK: Upstreams and strategies

    static let upstreamConnectionsOpened = Self(
        kind: .counter,
        name: "upstream_connections_opened",
        help: "Upstream connections opened."
    )
    static let upstreamConnectionsReused = Self(
        kind: .counter,
        name: "upstream_connections_reused",
        help: "Upstream requests sent on a pooled keep-alive connection."
    )
    static let retries = Self(
        kind: .counter,
        name: "retries",
        help: "Attempts made again on the same target (config retry), by provider."
    )
    static let translations = Self(
        kind: .counter,
        name: "translated_attempts",
        help:
            "Attempts sent in another protocol than the client's, by client and provider protocol (docs/translation.md)."
    )
    static let fallbacks = Self(
        kind: .counter,
        name: "fallbacks",
        help: "Moves to the next target after this provider failed (fallback strategies, models lists)."
    )
    static let circuitSkips = Self(
        kind: .counter,
        name: "circuit_breaker_skips",
        help: "Targets skipped because their circuit was open."
    )
    static let circuitState = Self(
        kind: .gauge,
        name: "circuit_breaker_state",
        help: "Circuit of a target: 0 closed, 1 open (skipped), 2 half-open (probing)."
    )

    // MARK: Request log

    static let requestLogWritten = Self(
        kind: .counter,
        name: "request_log_written",
        help: "Request log records written to the store."
    )
    static let requestLogLost = Self(
        kind: .counter,
        name: "request_log_lost",
        help: "Request log records that could not be written (queue full or the store failing past its retries)."
    )
    static let headReadTimeouts = Self(
        kind: .counter,
        name: "client_head_timeouts",
        help: "Client connections answered 408 and closed because a request head was not completed in time."
    )
    static let cacheSavedCents = Self(
        kind: .counter,
        name: "cache_saved_cents",
        help: "What the answers served from the response cache cost when they were made, in US cents."
    )
    static let guardrailChecks = Self(
        kind: .counter,
        name: "guardrail_checks",
        help: "Guardrail checks run, by check id and verdict (pass, fail, error)."
    )
    static let guardrailDenials = Self(
        kind: .counter,
        name: "guardrail_denials",
        help: "Requests a guardrail with deny stopped before any upstream call (446)."
    )
    static let cacheBytes = Self(
        kind: .gauge,
        name: "cache_bytes",
        help: "What the response cache's entries take in this process's memory (bodies and a little for the rest)."
    )
    static let cacheEntries = Self(
        kind: .gauge,
        name: "cache_entries",
        help: "Response cache entries in this process's memory."
    )
    static let cacheVectors = Self(
        kind: .gauge,
        name: "cache_vectors",
        help: "Prompts the semantic cache holds as vectors in this process."
    )
    static let cacheMisses = Self(
        kind: .counter,
        name: "cache_misses",
        help: "Requests to a caching target that the cache could not answer (MISS or REFRESH)."
    )
    static let policyRefusals = Self(
        kind: .counter,
        name: "policy_refusals",
        help: "Requests refused by a usage limit (reason usage, 412) or a rate limit (reason rate, 429), by policy."
    )
    static let policyUsage = Self(
        kind: .gauge,
        name: "policy_usage",
        help: "Usage in the current period of a policy's entity (cents, tokens or requests), as this replica knows it."
    )
    static let policyLimit = Self(
        kind: .gauge,
        name: "policy_limit",
        help: "The limit of a policy's entity (cents, tokens or requests per period)."
    )
    static let requestLogQueued = Self(
        kind: .gauge,
        name: "request_log_queued",
        help: "Request log records waiting to be written to the store."
    )
}

extension PrometheusCollectorRegistry {
    func counter(_ metric: MetricDescriptor, _ labels: [(String, String)] = []) -> Counter {
        self.makeCounter(descriptor: metric.descriptor, labels: labels)
    }

    func gauge(_ metric: MetricDescriptor, _ labels: [(String, String)] = []) -> Gauge {
        self.makeGauge(descriptor: metric.descriptor, labels: labels)
    }

    func histogram(_ metric: MetricDescriptor, _ labels: [(String, String)], buckets: [Duration]) -> DurationHistogram {
        self.makeDurationHistogram(descriptor: metric.descriptor, labels: labels, buckets: buckets)
    }
}
