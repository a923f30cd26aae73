import Logging
import NIOConcurrencyHelpers
import NIOCore
import Prometheus
import SwitchboardCore

/// What every connection handler shares: the routing table, metrics and logging. Immutable after start
/// except the readiness flag.
public final class GatewayRuntime: Sendable {
    public let config: GatewayConfig
    let resolver: RouteResolver
    public let metrics: GatewayMetrics
    let breakers: CircuitBreakers
    let logger: Logger
    /// `GET /v1/models`, rendered once.
    let modelsBody: [UInt8]
    private let readyBox = NIOLockedValueBox(false)

    public init(config: GatewayConfig, metrics: GatewayMetrics = GatewayMetrics(), logger: Logger) {
        self.config = config
        self.resolver = RouteResolver(config: config)
        self.metrics = metrics
        self.breakers = CircuitBreakers(metrics: metrics)
        self.logger = logger
        self.modelsBody = Self.renderModels(config)
    }

    /// Whether `/readyz` answers 200.
    public var isReady: Bool {
        get { self.readyBox.withLockedValue { $0 } }
        set { self.readyBox.withLockedValue { $0 = newValue } }
    }

    private static func renderModels(_ config: GatewayConfig) -> [UInt8] {
        var items: [String] = []
        for provider in config.providers {
            for model in provider.models + provider.aliases.keys.sorted() {
                items.append(
                    #"{"id":"# + JSONString.quote("\(provider.slug)/\(model)") + #","object":"model","created":0,"#
                        + #""owned_by":"# + JSONString.quote(provider.slug) + "}"
                )
            }
        }
        return Array((#"{"object":"list","data":["# + items.joined(separator: ",") + "]}").utf8)
    }
}

/// State owned by one event loop: its upstream pool, id generator and metric handles.
final class LoopContext {
    let pool: UpstreamPool
    let metrics: LoopMetrics
    let sweeper: TimeoutSweeper
    let accessLog = AccessLogger()
    var ids = RequestIDGenerator()
    /// Inline `x-portkey-config` texts seen recently, parsed: SDKs send the same config with every request.
    var inlineConfigs: [String: PortkeyConfig] = [:]
    /// Routes built from configs, for requests whose route depends only on the key's fields
    /// (``RouteResolver/planIsReusable(_:)``): the common case costs one lookup instead of a plan build.
    var plans: [PlanKey: Route] = [:]
    /// Bound of each cache; a full cache is emptied.
    static let maxCachedConfigs = 128

    struct PlanKey: Hashable {
        var config: String
        var endpoint: Endpoint
        var hasModel: Bool
    }

    init(pool: UpstreamPool, metrics: LoopMetrics, sweeper: TimeoutSweeper) {
        self.pool = pool
        self.metrics = metrics
        self.sweeper = sweeper
    }
}
