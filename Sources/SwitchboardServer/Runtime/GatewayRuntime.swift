import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Prometheus
import ServiceLifecycle
import SwitchboardControlPlane
import SwitchboardCore
import SwitchboardStore

/// What every connection handler shares: the routing table, metrics and logging. Immutable after start
/// except the readiness flag.
public final class GatewayRuntime: Sendable {
    public let config: GatewayConfig
    let resolver: RouteResolver
    public let metrics: GatewayMetrics
    let breakers: CircuitBreakers
    let logger: Logger
    /// `GET /v1/models` entries of the config file's models, rendered once.
    private let configModels: [(id: String, owner: String)]
    private let readyBox = NIOLockedValueBox(false)
    /// The store and what is built on it; `nil` when the gateway runs without one (tests, benchmarks).
    let store: (any Store)?
    let snapshot: StoreSnapshot
    let controlPlane: ControlPlane?
    /// Whether the listener is on loopback only: then, with no API keys defined, no key is needed.
    let listensOnLoopback: Bool
    /// Request log records on their way to the store; `nil` without a store or with `log.requests: false`.
    let requestLog: RequestLogQueue?
    /// Answers kept for identical requests (docs/cache.md).
    let responseCache: ResponseCache
    /// Prompts' vectors, and their embeddings asked of the gateway itself (`mode: semantic`).
    let semanticCache: SemanticCache
    /// A key with every scope that is never stored (`SWITCHBOARD_ADMIN_KEY`): how a container that listens
    /// beyond loopback gets its first request in.
    let adminKeyHash: String?

    public init(
        config: GatewayConfig,
        store: (any Store)? = nil,
        adminKey: String? = nil,
        vault: CredentialVault = .ephemeral(),
        metrics: GatewayMetrics = GatewayMetrics(),
        circuitClock: CircuitClock = .system,
        logger: Logger
    ) {
        self.adminKeyHash = adminKey.flatMap { $0.isEmpty ? nil : APIKeys.hash($0) }
        self.config = config
        let responseCache = ResponseCache(maxBytes: config.cache.maxBytes)
        self.responseCache = responseCache
        let semanticCache = SemanticCache(
            maxVectors: config.cache.maxVectors,
            timeoutMs: config.cache.embeddingTimeoutMs
        )
        self.semanticCache = semanticCache
        var resolver = RouteResolver(config: config)
        let configs = StoreSnapshot(
            vault: vault,
            policies: PolicyBook(replica: UUID().uuidString.lowercased(), logger: logger)
        )
        if store != nil {
            resolver.storedConfigs = { configs.lookup($0) }
            resolver.storedCredentials = { configs.credential($0) }
            resolver.storedModels = { configs.registryModel($0) }
            resolver.storedGuardrails = { configs.guardrail($0) }
        }
        self.resolver = resolver
        self.store = store
        self.snapshot = configs
        self.controlPlane = store.map { store in
            let host = ControlPlaneLink(
                config: config,
                store: store,
                snapshot: configs,
                cache: responseCache,
                semanticCache: semanticCache,
                logger: logger
            )
            return ControlPlane(store: store, host: host, logger: logger)
        }
        self.listensOnLoopback =
            ["127.0.0.1", "::1", "localhost"].contains(config.server.host)
            || config.server.host.hasPrefix("127.")
        self.metrics = metrics
        self.requestLog = store != nil && config.log.requests ? RequestLogQueue(metrics: metrics) : nil
        self.breakers = CircuitBreakers(metrics: metrics, clock: circuitClock)
        self.logger = logger
        self.configModels = Self.models(config)
    }

    /// Loads the store's configs; call once before serving.
    public func loadStore() async throws {
        guard let store = self.store else { return }
        try await self.snapshot.reload(from: store, logger: self.logger)
    }

    /// The service that keeps the configs in step with a store other replicas write to.
    public func storeWatcher(interval: Duration = .seconds(1)) -> (any Service)? {
        let (cache, semanticCache) = (self.responseCache, self.semanticCache)
        return self.store.map {
            StoreWatcher(store: $0, snapshot: self.snapshot, interval: interval, logger: self.logger) { namespace in
                cache.remove(namespace: namespace)
                semanticCache.remove(namespace: namespace)
            }
        }
    }

    /// The service that drops expired response cache entries.
    public func cachePurger(interval: Duration = .seconds(60)) -> any Service {
        CachePurger(
            cache: self.responseCache,
            semanticCache: self.semanticCache,
            store: self.config.cache.shared ? self.store : nil,
            interval: interval,
            logger: self.logger
        )
    }

    /// The service that reports policy usage to the store and renews this replica's slices.
    public func policyReporter(interval: Duration = .seconds(1)) -> (any Service)? {
        self.store.map {
            PolicyReporter(book: self.snapshot.policies, store: $0, interval: interval, logger: self.logger)
        }
    }

    /// Reports policy usage now (tests, and the control plane before it shows usage).
    public func reportPolicyUsage() async {
        guard let store = self.store else { return }
        await PolicyLeases(book: self.snapshot.policies, store: store).report(idleFor: 5, logger: self.logger)
    }

    /// The service that writes the request log to the store.
    public func requestLogWriter() -> (any Service)? {
        guard let store = self.store, let queue = self.requestLog else { return nil }
        return RequestLogWriter(queue: queue, store: store, logger: self.logger)
    }

    /// Returns once every request log record queued so far is in the store (tests; the writer service does
    /// the writing in the background, and this writes too rather than wait for it).
    public func flushRequestLog() async {
        guard let store = self.store, let queue = self.requestLog else { return }
        let writer = RequestLogWriter(queue: queue, store: store, logger: self.logger)
        var rounds = 0
        while queue.pending > 0, rounds < 500 {
            if !(await writer.flushOnce()) { try? await Task.sleep(for: .milliseconds(10)) }
            rounds += 1
        }
    }

    /// The price of `model` at `provider` (a configured slug or provider id, else the id of its `kind`): a
    /// registry model's own pricing first, then the config file's and the bundled table.
    func price(provider: String, kind: ProviderKind?, model: String) -> ModelPrice? {
        if let price = self.snapshot.registryPrice(provider: provider, model: model) { return price }
        return self.config.pricing.price(provider: provider, model: model)
            ?? kind.flatMap { self.config.pricing.price(provider: $0.rawValue, model: model) }
    }

    /// Returns once `count` requests have queued their log records since the gateway started (`true`), or
    /// when the waiting task is cancelled first, or there is no request log (`false`). For tests: an
    /// expectation instead of a sleep.
    public func requestLogQueued(atLeast count: Int) async -> Bool {
        guard let queue = self.requestLog else { return false }
        return await queue.waitUntil { $0 >= count }
    }

    /// Whether `/readyz` answers 200.
    public var isReady: Bool {
        get { self.readyBox.withLockedValue { $0 } }
        set { self.readyBox.withLockedValue { $0 = newValue } }
    }

    /// `GET /v1/models` (and Anthropic's and Gemini's model lists): the config file's models, then the models
    /// registry's (default project), in the client protocol's shape.
    func modelsBody(_ shape: ModelListShape = .openAI) -> [UInt8] {
        var models = self.configModels
        for id in self.snapshot.registryModelIDs {
            models.append((id, self.snapshot.registryModel(id)?.provider ?? "registry"))
        }
        return Array(shape.render(models).utf8)
    }

    private static func models(_ config: GatewayConfig) -> [(id: String, owner: String)] {
        var models: [(id: String, owner: String)] = []
        for provider in config.providers {
            for model in provider.models + provider.aliases.keys.sorted() {
                models.append(("\(provider.slug)/\(model)", provider.slug))
            }
        }
        return models
    }
}

/// State owned by one event loop: its upstream pool, id generator and metric handles.
final class LoopContext {
    let pool: UpstreamPool
    let metrics: LoopMetrics
    let sweeper: TimeoutSweeper
    /// Every open client connection, for the keep-alive timeout.
    let keepAlive: TimeoutSweeper
    let accessLog = AccessLogger()
    var ids = RequestIDGenerator()
    /// The ``StoreSnapshot/generation`` the cached plans were built with.
    var plansGeneration = 0
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

    init(pool: UpstreamPool, metrics: LoopMetrics, sweeper: TimeoutSweeper, keepAlive: TimeoutSweeper) {
        self.pool = pool
        self.metrics = metrics
        self.sweeper = sweeper
        self.keepAlive = keepAlive
    }
}
