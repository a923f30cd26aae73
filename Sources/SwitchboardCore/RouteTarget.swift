/// Where one request goes: the provider, its address and credentials, and the body edits to make.
public struct RouteTarget: Sendable {
    /// The provider slug (configured) or Portkey provider id (ad hoc), for headers, logs and metrics.
    public var provider: String
    /// Index into ``GatewayConfig/providers`` when the provider is configured; `nil` for ad-hoc targets.
    public var configuredIndex: Int?
    public var kind: ProviderKind
    public var upstream: UpstreamURL
    /// The key sent upstream; `nil` passes the client's own `Authorization` / `x-api-key` through.
    public var apiKey: String?
    /// Extra headers for this provider.
    public var headers: [HeaderField]
    /// The model to write into the body, or `nil` to leave the body's model as it is.
    public var model: String?
    /// Raw JSON values that overwrite body fields (`override_params`).
    public var overrides: [(key: String, json: [UInt8])]
    /// Raw JSON values set only where the body has no value (a registry model's `params`).
    public var defaults: [(key: String, json: [UInt8])] = []
    /// Per-request override of the upstream response timeout (config `request_timeout`), in ms.
    public var requestTimeoutMs: Int?
    /// Portkey's `x-portkey-last-used-option-index` value.
    public var optionIndex: String
    /// Extra certificate authorities for https (the provider's `ca_file`).
    public var caFile: String?
    /// Client headers forwarded even where the gateway would drop them (`forward_headers`).
    public var forwardHeaders: [String] = []
    /// A config target of a configured provider: the body's model is mapped for it at each attempt
    /// (``RouteResolver/upstreamModel(for:requestModel:)``).
    public var mapsRequestModel = false
    /// The stored provider or virtual key it came from (its limits apply to it).
    public var credential: String?
    /// Its answers are cached (a config's `cache`).
    public var cache: CacheSettings?
    /// Guardrails and mutators run on the request before it goes to this target (docs/guardrails.md).
    public var beforeHooks: [GuardrailHook] = []
    /// Guardrails and mutators run on this target's answer (docs/guardrails.md).
    public var afterHooks: [GuardrailHook] = []

    public init(
        provider: String,
        configuredIndex: Int?,
        kind: ProviderKind,
        upstream: UpstreamURL,
        apiKey: String?,
        headers: [HeaderField] = [],
        model: String? = nil,
        overrides: [(key: String, json: [UInt8])] = [],
        requestTimeoutMs: Int? = nil,
        optionIndex: String = "config"
    ) {
        self.provider = provider
        self.configuredIndex = configuredIndex
        self.kind = kind
        self.upstream = upstream
        self.apiKey = apiKey
        self.headers = headers
        self.model = model
        self.overrides = overrides
        self.requestTimeoutMs = requestTimeoutMs
        self.optionIndex = optionIndex
    }
}

/// The parts of a request that choose its target.
public struct RoutingRequest: Sendable {
    public var endpoint: Endpoint
    /// The body's `model`, if any.
    public var model: String?
    /// `x-portkey-config`.
    public var config: String?
    /// `x-portkey-provider`.
    public var provider: String?
    /// `x-portkey-virtual-key`: a stored credential's slug.
    public var virtualKey: String?
    /// `x-portkey-custom-host`.
    public var customHost: String?
    /// `x-portkey-request-timeout`.
    public var requestTimeout: String?
    /// `x-portkey-forward-headers`.
    public var forwardHeaders: String?
    /// The body's `models` (OpenRouter's fallback list).
    public var models: [String]?
    /// The body's `provider` object (OpenRouter's provider preferences).
    public var providerPreferences: JSONValue?
    /// `config`, already parsed (the server caches inline configs it has seen).
    public var parsedConfig: PortkeyConfig?

    public init(
        endpoint: Endpoint,
        model: String? = nil,
        config: String? = nil,
        provider: String? = nil,
        customHost: String? = nil,
        requestTimeout: String? = nil,
        forwardHeaders: String? = nil,
        models: [String]? = nil,
        providerPreferences: JSONValue? = nil
    ) {
        self.endpoint = endpoint
        self.model = model
        self.config = config
        self.provider = provider
        self.customHost = customHost
        self.requestTimeout = requestTimeout
        self.forwardHeaders = forwardHeaders
        self.models = models
        self.providerPreferences = providerPreferences
    }
}
