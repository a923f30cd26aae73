/// The gateway's configuration, as read from `config/switchboard.yaml` (documented in docs/configuration.md).
public struct GatewayConfig: Sendable {
    public var server = ServerSettings()
    public var log = LogSettings()
    public var cache = CacheStoreSettings()
    /// In file order; slugs are unique.
    public var providers: [ProviderConfig] = []
    public var defaultRoute: DefaultRoute?
    /// Portkey configs by slug (`configs:`), usable as `x-portkey-config: SLUG`.
    public var configs: [String: PortkeyConfig] = [:]
    /// Retry timing and the default circuit breaker.
    public var routing = RoutingSettings()
    /// Prices: the bundled table under the config file's `pricing:`.
    public var pricing = PricingTable.bundled

    public init() {}

    /// The provider with `slug`, if configured.
    public func provider(_ slug: String) -> ProviderConfig? {
        self.providers.first { $0.slug == slug }
    }

    /// The slugs of the configured providers, for error messages.
    public var providerSlugs: [String] { self.providers.map(\.slug) }

    /// Providers a Portkey config names (at any depth) that are neither configured nor well known: checked
    /// for `configs:` at load and for configs sent to the API. `isStoredCredential` tells whether a slug is a
    /// stored credential; without it (no store at hand) `@slug` names and virtual keys are taken on trust.
    public func unknownProviders(
        in config: PortkeyConfig,
        isStoredCredential: ((String) -> Bool)? = nil
    ) -> [String] {
        var unknown: [String] = []
        var pending = [config]
        while let node = pending.popLast() {
            pending += node.targets
            if let slug = node.virtualKey, let isStored = isStoredCredential, !isStored(slug),
                !unknown.contains(slug)
            {
                unknown.append(slug)
            }
            guard var provider = node.provider else { continue }
            let catalogForm = provider.hasPrefix("@")
            if catalogForm { provider.removeFirst() }
            if self.provider(provider) != nil || KnownProviders.all[provider] != nil { continue }
            if let isStored = isStoredCredential {
                if isStored(provider) { continue }
            } else if catalogForm {
                continue
            }
            if !unknown.contains(provider) { unknown.append(provider) }
        }
        return unknown
    }
}

/// Listener, limits and timeouts.
public struct ServerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// 0 means one event loop per core.
    public var eventLoopThreads = 0
    public var maxBodyBytes = 10 * 1024 * 1024
    /// Flow control: the most response (or upload) bytes queued for one connection before reading from the other
    /// side pauses; reading resumes below half of it. Memory per exchange is bounded by this, not by the body size.
    public var highWaterMark = 64 * 1024
    public var connectTimeoutMs = 5_000
    /// Longest wait for the upstream's response head.
    public var responseTimeoutMs = 300_000
    /// Longest time a started response may make no progress: no byte from the upstream, none taken by the client.
    public var idleTimeoutMs = 300_000
    /// A client connection without a request in flight (between requests, or before a complete head) is closed
    /// after this long.
    public var keepAliveTimeoutMs = 75_000
    /// A client that has started a request head must finish it within this long, or the connection is answered
    /// 408 and closed (slowloris: a head sent a byte at a time would otherwise hold the connection).
    public var headReadTimeoutMs = 10_000
    /// How long in-flight requests may run after SIGTERM before connections are closed.
    public var shutdownGraceMs = 30_000
    /// Idle keep-alive connections kept per upstream host and event loop.
    public var maxIdleConnectionsPerHost = 64
    /// Idle upstream connections are closed after this long.
    public var idleConnectionTimeoutMs = 60_000
    /// Custom hosts (`x-portkey-custom-host`, config `custom_host`) allowed even though they are local.
    public var trustedCustomHosts = ["localhost", "127.0.0.1", "::1", "host.docker.internal"]

    public init() {}
}

/// Logging.
public struct LogSettings: Sendable {
    public enum Level: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public var level: Level = .info
    /// One line per request at INFO.
    public var accessLog = true
    /// One record per request in the store's request log (`/v1/logs`, analytics).
    public var requests = true
    /// Whether request logs keep request and response bodies (`x-portkey-debug: false` turns it off per
    /// request).
    public var bodies = false

    public init() {}
}

/// The response cache's room (docs/cache.md); which answers are cached is a Portkey config's `cache`.
public struct CacheStoreSettings: Sendable {
    /// The most the entries in each process's memory take.
    public var maxBytes = 64 << 20
    /// Entries are also written to the store (when there is one): shared by replicas, kept over restarts.
    public var shared = true
    /// The most prompts the semantic cache keeps as vectors in each process (the oldest leave first).
    public var maxVectors = 10_000
    /// How long the semantic cache waits for a prompt's embedding before it calls the provider without one.
    public var embeddingTimeoutMs = 5_000

    public init() {}
}

/// One upstream provider.
public struct ProviderConfig: Sendable {
    public var slug: String
    public var kind: ProviderKind
    /// `nil` only for `kind: mock` before the in-process mock has started.
    public var baseURL: UpstreamURL?
    /// The provider's own key; when `nil` the client's `Authorization` is passed through.
    public var apiKey: String?
    /// Sent on every request to this provider (after the credential headers, so they can override them).
    public var headers: [HeaderField] = []
    /// Model names this provider serves; listed by `GET /v1/models` and used to route bare model names.
    public var models: [String] = []
    /// Alias → upstream model name.
    public var aliases: [String: String] = [:]
    /// PEM file of certificate authorities trusted for this provider's https connections, in addition to the
    /// system's (a private CA, a corporate proxy).
    public var caFile: String?

    public init(slug: String, kind: ProviderKind, baseURL: UpstreamURL?, apiKey: String? = nil) {
        self.slug = slug
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// Whether `model` (a name or an alias) is listed for this provider.
    public func lists(_ model: String) -> Bool {
        self.aliases[model] != nil || self.models.contains(model)
    }

    /// The model name to send upstream for `model`, resolving aliases.
    public func upstreamModel(for model: String) -> String {
        self.aliases.isEmpty ? model : self.aliases[model] ?? model
    }
}

/// Where requests go when nothing else in the request picks a provider: a provider (and model), or a config.
public struct DefaultRoute: Sendable {
    public var provider: String?
    /// Used when the request names no model.
    public var model: String?
    /// A config slug run for requests that name neither a provider nor a model.
    public var config: String?

    public init(provider: String?, model: String? = nil, config: String? = nil) {
        self.provider = provider
        self.model = model
        self.config = config
    }
}

/// Gateway-wide strategy settings (`routing:`).
public struct RoutingSettings: Sendable {
    public var retry = RetryTiming()
    /// Applied to every target of a plan that has no `cb_config` of its own; `nil` disables it.
    public var circuitBreaker: CircuitBreakerSettings?

    public init() {}
}

extension GatewayConfig {
    /// Whether any provider is the in-process demo mock.
    public var needsMock: Bool { self.providers.contains { $0.kind == .mock } }

    /// Points every `kind: mock` provider at the in-process mock listening on `127.0.0.1:port`.
    public mutating func attachMock(port: Int) {
        for index in self.providers.indices where self.providers[index].kind == .mock {
            self.providers[index].baseURL = UpstreamURL(isTLS: false, host: "127.0.0.1", port: port, basePath: "/v1")
        }
    }
}
