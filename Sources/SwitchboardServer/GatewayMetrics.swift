import Prometheus
import SwitchboardCore

/// The gateway's Prometheus metrics. Handles for a label set are created once and cached per event loop
/// (``LoopMetrics``), so recording a request takes no registry lock.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let upstreamConnectionsOpened: Counter
    let upstreamConnectionsReused: Counter

    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
    ]

    public init() {
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

    func requestsCounter(provider: String, endpoint: String, status: Int) -> Counter {
        self.registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "switchboard",
                metricName: "requests",
                unitName: "total",
                helpText: "Requests by provider, endpoint and HTTP status (499: the client went away)."
            ),
            labels: [("provider", provider), ("endpoint", endpoint), ("status", String(status))]
        )
    }

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

/// Per-event-loop cache of metric handles by label set.
final class LoopMetrics {
    private struct RequestKey: Hashable {
        var provider: String
        var endpoint: String
        var status: Int
    }

    private struct DurationKey: Hashable {
        var provider: String
        var endpoint: String
    }

    let shared: GatewayMetrics
    private var counters: [RequestKey: Counter] = [:]
    private var histograms: [DurationKey: DurationHistogram] = [:]

    init(shared: GatewayMetrics) {
        self.shared = shared
    }

    func recordRequest(provider: String, endpoint: String, status: Int, duration: Duration) {
        let key = RequestKey(provider: provider, endpoint: endpoint, status: status)
        if let counter = self.counters[key] {
            counter.increment()
        } else {
            let counter = self.shared.requestsCounter(provider: provider, endpoint: endpoint, status: status)
            self.counters[key] = counter
            counter.increment()
        }
        let durationKey = DurationKey(provider: provider, endpoint: endpoint)
        if let histogram = self.histograms[durationKey] {
            histogram.record(duration)
        } else {
            let histogram = self.shared.durationHistogram(provider: provider, endpoint: endpoint)
            self.histograms[durationKey] = histogram
            histogram.record(duration)
        }
    }
}
