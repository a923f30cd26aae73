import NIOConcurrencyHelpers
import Prometheus
import SwitchboardCore

/// The gateway's Prometheus metrics (``MetricDescriptor`` names them all). Handles for a label set are created
/// once and cached per event loop (``LoopMetrics``), so recording a request takes no registry lock.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let upstreamConnectionsOpened: Counter
    let upstreamConnectionsReused: Counter
    let streamsInFlight: Gauge
    let cacheHits: Counter
    let cacheMisses: Counter
    let cacheSavedCents: Counter
    let guardrailDenials: Counter
    let requestLogWritten: Counter
    let requestLogLost: Counter
    let requestLogQueued: Gauge
    let headReadTimeouts: Counter
    /// Model names seen as label values; past ``maxModelLabels`` new ones are counted as `other`.
    private let modelLabels = NIOLockedValueBox(Set<String>())
    static let maxModelLabels = 200

    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
    ]

    static let overheadBuckets: [Duration] = [
        .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50),
        .milliseconds(250), .seconds(1), .seconds(10),
    ]

    public init() {
        self.streamsInFlight = self.registry.gauge(.streamsInFlight)
        self.requestLogQueued = self.registry.gauge(.requestLogQueued)
        self.cacheHits = self.registry.counter(.cacheHits)
        self.cacheMisses = self.registry.counter(.cacheMisses)
        self.cacheSavedCents = self.registry.counter(.cacheSavedCents)
        self.guardrailDenials = self.registry.counter(.guardrailDenials)
        self.requestLogWritten = self.registry.counter(.requestLogWritten)
        self.requestLogLost = self.registry.counter(.requestLogLost)
        self.headReadTimeouts = self.registry.counter(.headReadTimeouts)
        self.inFlight = self.registry.gauge(.requestsInFlight)
        self.upstreamConnectionsOpened = self.registry.counter(.upstreamConnectionsOpened)
        self.upstreamConnectionsReused = self.registry.counter(.upstreamConnectionsReused)
    }

    /// `model` as a label value: the first ``maxModelLabels`` distinct names are themselves, later ones `other`,
    /// so a client inventing model names cannot grow the exposition without bound.
    func modelLabel(_ model: String?) -> String {
        guard let model, !model.isEmpty else { return "none" }
        return self.modelLabels.withLockedValue { seen in
            if seen.contains(model) { return model }
            guard seen.count < Self.maxModelLabels else { return "other" }
            seen.insert(model)
            return model
        }
    }

    func requestsCounter(provider: String, model: String, endpoint: String, status: Int) -> Counter {
        self.registry.counter(
            .requests,
            [("provider", provider), ("model", model), ("endpoint", endpoint), ("status", String(status))]
        )
    }

    func tokensCounter(provider: String, model: String, type: String) -> Counter {
        self.registry.counter(.tokens, [("provider", provider), ("model", model), ("type", type)])
    }

    func costCounter(provider: String, model: String) -> Counter {
        self.registry.counter(.cost, [("provider", provider), ("model", model)])
    }

    func firstByteHistogram(provider: String, endpoint: String) -> DurationHistogram {
        self.registry.histogram(
            .timeToFirstByte,
            [("provider", provider), ("endpoint", endpoint)],
            buckets: Self.durationBuckets
        )
    }

    func overheadHistogram(endpoint: String) -> DurationHistogram {
        self.registry.histogram(.gatewayOverhead, [("endpoint", endpoint)], buckets: Self.overheadBuckets)
    }

    func durationHistogram(provider: String, endpoint: String) -> DurationHistogram {
        self.registry.histogram(
            .requestDuration,
            [("provider", provider), ("endpoint", endpoint)],
            buckets: Self.durationBuckets
        )
    }

    // MARK: - Strategies (cold paths: handles are looked up in the registry each time)

    func retries(provider: String) -> Counter {
        self.registry.counter(.retries, [("provider", provider)])
    }

    func translations(_ pair: TranslationPair) -> Counter {
        self.registry.counter(.translations, [("client", pair.client.rawValue), ("provider", pair.provider.rawValue)])
    }

    func fallbacks(provider: String) -> Counter {
        self.registry.counter(.fallbacks, [("provider", provider)])
    }

    func circuitSkips(_ target: String) -> Counter {
        self.registry.counter(.circuitSkips, [("target", target)])
    }

    /// 0 closed, 1 open, 2 half-open (probing).
    func circuitState(_ target: String) -> Gauge {
        self.registry.gauge(.circuitState, [("target", target)])
    }

    /// The Prometheus text exposition.
    func guardrailChecks(check: String, verdict: String) -> Counter {
        self.registry.counter(.guardrailChecks, [("check", check), ("verdict", verdict)])
    }

    func policyRefusals(policy: String, reason: String) -> Counter {
        self.registry.counter(.policyRefusals, [("policy", policy), ("reason", reason)])
    }

    /// Sets the policy gauges from what the book knows (at most ``maxPolicyEntities`` entities are shown).
    func showPolicies(_ entities: [(policy: LimitPolicy, value: String, used: Double)]) {
        for (policy, value, used) in entities.prefix(Self.maxPolicyEntities) {
            let labels = [("policy", policy.id), ("entity", value)]
            self.registry.gauge(.policyUsage, labels).set(used)
            self.registry.gauge(.policyLimit, labels).set(policy.limit)
        }
    }

    static let maxPolicyEntities = 1000

    /// Sets the response cache's gauges (at scrape: the cache keeps its own counts under its lock).
    func showCache(_ stats: ResponseCache.Stats, vectors: Int) {
        self.registry.gauge(.cacheBytes).set(Double(stats.bytes))
        self.registry.gauge(.cacheEntries).set(Double(stats.entries))
        self.registry.gauge(.cacheVectors).set(Double(vectors))
    }

    public func render() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}
