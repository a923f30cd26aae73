import Prometheus
import SwitchboardCore

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
        if m.usage.source == .cache {
            // A cache hit used no tokens: what its answer carried counts as cached only.
            handles.cached.increment(by: Int64(m.usage.totalTokens))
            return
        }
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
