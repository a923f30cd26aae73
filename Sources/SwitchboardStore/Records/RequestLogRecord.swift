/// One request as the request log keeps it (Portkey's log `metrics` fields, flattened).
public struct RequestLogRecord: Sendable, Equatable {
    public var id: String
    public var createdAt: String
    public var traceID: String
    public var spanID: String?
    public var parentSpanID: String?
    public var spanName: String?
    public var method: String
    public var path: String
    /// `chat`, `messages`, `embeddings` … or `custom` for ingested logs.
    public var endpoint: String
    public var provider: String
    public var model: String?
    public var status: Int
    /// From the request's arrival to the response's end.
    public var durationMs: Double
    /// To the first response byte relayed.
    public var firstByteMs: Double?
    /// The upstream's share: from sending the request to the response's end.
    public var upstreamMs: Double?
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    public var cacheWriteTokens: Int
    public var reasoningTokens: Int
    /// `reported`, `estimated` or `unavailable`.
    public var usageSource: String
    /// US cents; `nil` when the model has no price.
    public var costCents: Double?
    public var stream: Bool
    /// False when the response was cut short (upstream failure, the client leaving or not reading).
    public var complete: Bool
    /// Response body bytes relayed to the client (what it was sent, even when the response was cut short).
    public var responseBytes: Int
    public var retryCount: Int
    public var config: String?
    public var preset: String?
    public var virtualKey: String?
    public var apiKeyID: String?
    public var optionIndex: String?
    /// JSON object text.
    public var metadata: String
    public var requestHeaders: String?
    public var requestBody: String?
    public var responseBody: String?
    public var cacheStatus: String
    /// The policy that refused the request (`usage_limits:<id>`, `rate_limits:<id>`, or an API key's or virtual
    /// key's own limit), when one did.
    public var refusedBy: String?
    /// What a request answered from the response cache would have cost (its stored answer's cost), in cents.
    public var cacheSavedCents: Double?
    /// The guardrails' results (`{before_request_hooks, after_request_hooks}`, JSON text), when it had hooks.
    public var hookResults: String?
    /// The saved prompt the request was rendered from.
    public var promptSlug: String?

    public init(
        id: String,
        createdAt: String = Timestamps.now(),
        traceID: String,
        method: String,
        path: String,
        endpoint: String,
        provider: String,
        status: Int,
        durationMs: Double
    ) {
        self.id = id
        self.createdAt = createdAt
        self.traceID = traceID
        self.method = method
        self.path = path
        self.endpoint = endpoint
        self.provider = provider
        self.status = status
        self.durationMs = durationMs
        self.promptTokens = 0
        self.completionTokens = 0
        self.cachedTokens = 0
        self.cacheWriteTokens = 0
        self.reasoningTokens = 0
        self.usageSource = "unavailable"
        self.stream = false
        self.complete = true
        self.responseBytes = 0
        self.retryCount = 0
        self.metadata = "{}"
        self.cacheStatus = "DISABLED"
    }
}
