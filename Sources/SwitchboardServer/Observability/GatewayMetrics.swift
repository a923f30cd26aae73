import NIOConcurrencyHelpers
import Prometheus
import SwitchboardCore

/// The gateway's Prometheus metrics. Handles for a label set are created once and cached per event loop
/// (``LoopMetrics``), so recording a request takes no registry lock.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let upstreamConnectionsOpened: Counter
    let upstreamConnectionsReused: Counter
    let streamsInFlight: Gauge
    let cacheHits: Counter
    let requestLogWritten: Counter
    let requestLogLost: Counter
    let requestLogQueued: Gauge
    /// Model names seen as label values; past ``maxModelLabels`` new ones are counted as `other`.
    private let modelLabels = NIOLockedValueBox(Set<String>())
    static let maxModelLabels = 200

    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
    ]

    public init() {
        self.streamsInFlight = PrometheusCollectorRegistry.makeGauge(
            registry: self.registry,
            "streams_in_flight",
            "Event streams currently being relayed."
        )
        self.requestLogQueued = PrometheusCollectorRegistry.makeGauge(
            registry: self.registry,
            "request_log_queued",
            "Request log records waiting to be written to the store."
        )
        self.cacheHits = PrometheusCollectorRegistry.makeCounter(
            registry: self.registry,
            "cache_hits",
            "Responses served from the gateway's cache (there is no response cache yet: always 0)."
        )
        self.requestLogWritten = PrometheusCollectorRegistry.makeCounter(
            registry: self.registry,
            "request_log_written",
            "Request log records written to the store."
        )
        self.requestLogLost = PrometheusCollectorRegistry.makeCounter(
            registry: self.registry,
            "request_log_lost",
            "Request log records that could not be written (queue full or the store failing past its retries)."
        )
        self.inFlight = self.registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "requests_in_flight",
                unitName: "",
                helpText: "Requests currently being served."
            )
        )
        self.upstreamConnectionsOpened = self.registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "upstream_connections_opened",
                unitName: "total",
                helpText: "Upstream connections opened."
            )
        )
        self.upstreamConnectionsReused = self.registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "upstream_connections_reused",
                unitName: "total",
                helpText: "Upstream requests sent on a pooled keep-alive connection."
            )
        )
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
        self.registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "requests",
                unitName: "total",
                helpText: "Requests by provider, model, endpoint and HTTP status (499: the client went away)."
            ),
            labels: [("provider", provider), ("model", model), ("endpoint", endpoint), ("status", String(status))]
        )
    }

    func tokensCounter(provider: String, model: String, type: String) -> Counter {
        self.counter(
            "tokens",
            "Tokens by provider, model and type (prompt, completion, cached, reasoning), as reported or estimated.",
            [("provider", provider), ("model", model), ("type", type)]
        )
    }

    func costCounter(provider: String, model: String) -> Counter {
        self.counter(
            "cost_cents",
            "Cost in US cents by provider and model.",
            [("provider", provider), ("model", model)]
        )
    }

    func firstByteHistogram(provider: String, endpoint: String) -> DurationHistogram {
        self.registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "time_to_first_byte",
                unitName: "seconds",
                helpText: "Time from the request head to the first response body byte (first token, for streams)."
            ),
            labels: [("provider", provider), ("endpoint", endpoint)],
            buckets: Self.durationBuckets
        )
    }

    func overheadHistogram(endpoint: String) -> DurationHistogram {
        self.registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "gateway_overhead",
                unitName: "seconds",
                helpText: "The gateway's own time: request duration minus the time the upstream took to answer the "
                    + "attempt that was relayed."
            ),
            labels: [("endpoint", endpoint)],
            buckets: Self.overheadBuckets
        )
    }

    static let overheadBuckets: [Duration] = [
        .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50),
        .milliseconds(250), .seconds(1), .seconds(10),
    ]

    func durationHistogram(provider: String, endpoint: String) -> DurationHistogram {
        self.registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "request_duration",
                unitName: "seconds",
                helpText: "Time from the request head to the last response byte."
            ),
            labels: [("provider", provider), ("endpoint", endpoint)],
            buckets: Self.durationBuckets
        )
    }

    // MARK: - Strategies (cold paths: handles are looked up in the registry each time)

    func retries(provider: String) -> Counter {
        self.counter(
            "retries",
            "Attempts made again on the same target (config retry), by provider.",
            [("provider", provider)]
        )
    }

    func fallbacks(provider: String) -> Counter {
        self.counter(
            "fallbacks",
            "Moves to the next target after this provider failed (fallback strategies, models lists).",
            [("provider", provider)]
        )
    }

    func circuitSkips(_ target: String) -> Counter {
        self.counter("circuit_breaker_skips", "Targets skipped because their circuit was open.", [("target", target)])
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        self.registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: name,
                unitName: "total",
                helpText: help
            ),
            labels: labels
        )
    }

    /// 0 closed, 1 open, 2 half-open (probing).
    func circuitState(_ target: String) -> Gauge {
        self.registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "circuit_breaker_state",
                unitName: "",
                helpText: "Circuit of a target: 0 closed, 1 open (skipped), 2 half-open (probing)."
            ),
            labels: [("target", target)]
        )
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}

extension PrometheusCollectorRegistry {
    fileprivate static func makeGauge(registry: PrometheusCollectorRegistry, _ name: String, _ help: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "switchboard", metricName: name, unitName: "", helpText: help)
        )
    }

    fileprivate static func makeCounter(
        registry: PrometheusCollectorRegistry,
        _ name: String,
        _ help: String
    )
        -> Counter
    {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: name,
                unitName: "total",
                helpText: help
            )
        )
    }
}

/// One finished request, as the metrics see it.
struct RequestMeasurement {
    var provider: String
    var model: String?
    var endpoint: String
    var status: Int
    var duration: Duration
    var firstByte: Duration?
    var overhead: Duration?
    var usage: TokenUsage
    var costCents: Double?
}

/// Per-event-loop cache of metric handles by label set.
final class LoopMetrics {
    private struct RequestKey: Hashable {
        var provider: String
        var model: String
        var endpoint: String
        var status: Int
    }

    private struct ProviderKey: Hashable {
        var provider: String
        var endpoint: String
    }

    private struct ModelKey: Hashable {
        var provider: String
        var model: String
    }

    /// Handles of one provider and model: tokens by type and cost.
    private struct ModelHandles {
        var prompt: Counter
        var completion: Counter
        var cached: Counter
        var reasoning: Counter
        var cost: Counter
    }

    let shared: GatewayMetrics
    private var counters: [RequestKey: Counter] = [:]
    private var histograms: [ProviderKey: (duration: DurationHistogram, firstByte: DurationHistogram)] = [:]
    private var overheads: [String: DurationHistogram] = [:]
    private var models: [ModelKey: ModelHandles] = [:]
    /// Label values by model name as requested, so the shared bounded set is asked once per name per loop.
    private var modelLabels: [String: String] = [:]

    init(shared: GatewayMetrics) {
        self.shared = shared
    }

    func record(_ m: RequestMeasurement) {
        let model = self.label(m.model)
        let key = RequestKey(provider: m.provider, model: model, endpoint: m.endpoint, status: m.status)
        if let counter = self.counters[key] {
            counter.increment()
        } else {
            let counter = self.shared.requestsCounter(
                provider: m.provider,
                model: model,
                endpoint: m.endpoint,
                status: m.status
            )
            self.counters[key] = counter
            counter.increment()
        }
        let providerKey = ProviderKey(provider: m.provider, endpoint: m.endpoint)
        let histograms =
            self.histograms[providerKey]
            ?? {
                let made = (
                    self.shared.durationHistogram(provider: m.provider, endpoint: m.endpoint),
                    self.shared.firstByteHistogram(provider: m.provider, endpoint: m.endpoint)
                )
                self.histograms[providerKey] = made
                return made
            }()
        histograms.duration.record(m.duration)
        if let firstByte = m.firstByte { histograms.firstByte.record(firstByte) }
        if let overhead = m.overhead {
            let histogram = self.overheads[m.endpoint] ?? self.shared.overheadHistogram(endpoint: m.endpoint)
            if self.overheads[m.endpoint] == nil { self.overheads[m.endpoint] = histogram }
            histogram.record(overhead)
        }
        guard m.usage.source != .unavailable || m.costCents != nil else { return }
        let modelKey = ModelKey(provider: m.provider, model: model)
        let handles =
            self.models[modelKey]
            ?? {
                func tokens(_ type: String) -> Counter {
                    self.shared.tokensCounter(provider: m.provider, model: model, type: type)
                }
                let made = ModelHandles(
                    prompt: tokens("prompt"),
                    completion: tokens("completion"),
                    cached: tokens("cached"),
                    reasoning: tokens("reasoning"),
                    cost: self.shared.costCounter(provider: m.provider, model: model)
                )
                self.models[modelKey] = made
                return made
            }()
        handles.prompt.increment(by: Int64(m.usage.promptTokens))
        handles.completion.increment(by: Int64(m.usage.completionTokens))
        if m.usage.cachedTokens > 0 { handles.cached.increment(by: Int64(m.usage.cachedTokens)) }
        if m.usage.reasoningTokens > 0 { handles.reasoning.increment(by: Int64(m.usage.reasoningTokens)) }
        if let cost = m.costCents, cost > 0 { handles.cost.increment(by: cost) }
    }

    private func label(_ model: String?) -> String {
        guard let model else { return "none" }
        if let label = self.modelLabels[model] { return label }
        let label = self.shared.modelLabel(model)
        if self.modelLabels.count < 4 * GatewayMetrics.maxModelLabels { self.modelLabels[model] = label }
        return label
    }
}
