/// The `x-portkey-*` request headers the gateway acts on, read in one pass over the head when a request starts:
/// routing (config, provider, virtual key, custom host, timeout, forwarded headers), tracing and the request
/// log (trace, span, metadata, debug), the cache; and OpenRouter's cache controls (`x-openrouter-cache*`). Only
/// headers that are present become strings; the first of each name wins.
public struct PortkeyHeaders: Sendable {
    public var config: String?
    public var provider: String?
    public var virtualKey: String?
    public var customHost: String?
    public var requestTimeout: String?
    public var forwardHeaders: String?
    public var apiKey: String?
    public var traceID: String?
    public var spanID: String?
    public var parentSpanID: String?
    public var spanName: String?
    /// A JSON object of the caller's metadata (invalid JSON counts as none).
    public var metadata: String?
    /// `false` keeps this request's bodies out of the log.
    public var debug: String?
    /// More header names to mask in the log, comma-separated.
    public var sensitiveHeaders: String?
    /// Cached answers are kept apart per namespace.
    public var cacheNamespace: String?
    /// `true`: the cache is not read, and the answer replaces what it held.
    public var cacheForceRefresh: String?
    /// `X-OpenRouter-Cache`, `X-OpenRouter-Cache-TTL`, `X-OpenRouter-Cache-Clear`.
    public var openRouterCache: String?
    public var openRouterCacheTTL: String?
    public var openRouterCacheClear: String?

    public init() {}

    /// Reads the headers from a request head's bytes and header spans.
    public init(head raw: UnsafeRawBufferPointer, headers: [HeaderSpan]) {
        for span in headers {
            let name = UnsafeRawBufferPointer(rebasing: raw[span.name])
            guard name.count > 10, name.first == UInt8(ascii: "x") || name.first == UInt8(ascii: "X") else { continue }
            let field: WritableKeyPath<PortkeyHeaders, String?>
            if name.hasPrefixIgnoringCase("x-portkey-") {
                guard let known = Self.field(UnsafeRawBufferPointer(rebasing: name[10...])) else { continue }
                field = known
            } else if name.count >= 18, name.hasPrefixIgnoringCase("x-openrouter-cache") {
                guard let known = Self.openRouterField(UnsafeRawBufferPointer(rebasing: name[18...])) else { continue }
                field = known
            } else {
                continue
            }
            guard self[keyPath: field] == nil else { continue }
            self[keyPath: field] = String(decoding: UnsafeRawBufferPointer(rebasing: raw[span.value]), as: UTF8.self)
        }
    }

    private static func openRouterField(_ suffix: UnsafeRawBufferPointer) -> WritableKeyPath<PortkeyHeaders, String?>? {
        if suffix.isEmpty { return \.openRouterCache }
        if suffix.equalsIgnoringCase("-ttl") { return \.openRouterCacheTTL }
        if suffix.equalsIgnoringCase("-clear") { return \.openRouterCacheClear }
        return nil
    }

    private static func field(_ suffix: UnsafeRawBufferPointer) -> WritableKeyPath<PortkeyHeaders, String?>? {
        if suffix.equalsIgnoringCase("config") { return \.config }
        if suffix.equalsIgnoringCase("provider") { return \.provider }
        if suffix.equalsIgnoringCase("virtual-key") { return \.virtualKey }
        if suffix.equalsIgnoringCase("custom-host") { return \.customHost }
        if suffix.equalsIgnoringCase("request-timeout") { return \.requestTimeout }
        if suffix.equalsIgnoringCase("forward-headers") { return \.forwardHeaders }
        if suffix.equalsIgnoringCase("api-key") { return \.apiKey }
        if suffix.equalsIgnoringCase("trace-id") { return \.traceID }
        if suffix.equalsIgnoringCase("span-id") { return \.spanID }
        if suffix.equalsIgnoringCase("parent-span-id") { return \.parentSpanID }
        if suffix.equalsIgnoringCase("span-name") { return \.spanName }
        if suffix.equalsIgnoringCase("metadata") { return \.metadata }
        if suffix.equalsIgnoringCase("debug") { return \.debug }
        if suffix.equalsIgnoringCase("sensitive-headers") { return \.sensitiveHeaders }
        if suffix.equalsIgnoringCase("cache-namespace") { return \.cacheNamespace }
        if suffix.equalsIgnoringCase("cache-force-refresh") { return \.cacheForceRefresh }
        return nil
    }

    /// The caller's metadata (`x-portkey-metadata`) over `defaults` (an API key's default metadata): one list of
    /// members, a sent key replacing a default one.
    public func metadata(over defaults: [(key: String, value: JSONValue)]) -> [(key: String, value: JSONValue)] {
        guard let text = self.metadata, let sent = JSONValue(parsing: Array(text.utf8))?.members else {
            return defaults
        }
        var members = defaults
        members.removeAll { member in sent.contains { $0.key == member.key } }
        return members + sent
    }
}

extension RoutingRequest {
    /// The routing request of a request to `endpoint` with the body's `model` and the routing headers sent.
    public init(endpoint: Endpoint, model: String?, headers: PortkeyHeaders) {
        self.init(endpoint: endpoint, model: model)
        self.config = headers.config
        self.provider = headers.provider
        self.virtualKey = headers.virtualKey
        self.customHost = headers.customHost
        self.requestTimeout = headers.requestTimeout
        self.forwardHeaders = headers.forwardHeaders
    }
}
