/// OpenRouter's response cache controls (spec/presets.md §5.2): the `X-OpenRouter-Cache`, `-TTL` and `-Clear`
/// request headers and a preset's `cache_enabled` / `cache_ttl_seconds`, mapped onto the gateway's cache.
public struct OpenRouterCacheControls: Sendable, Equatable {
    /// `X-OpenRouter-Cache`: `true` or `false`.
    public var header: String?
    /// `X-OpenRouter-Cache-TTL`: seconds, 1 … 86,400.
    public var ttlHeader: String?
    /// `X-OpenRouter-Cache-Clear: true`: the cache is not read; the answer replaces its entry.
    public var clearHeader: String?
    /// The preset's `cache_enabled`.
    public var presetEnabled: Bool?
    /// The preset's `cache_ttl_seconds`.
    public var presetTTL: Int?

    public static let defaultTTL = 300
    public static let ttlRange = 1...86_400

    public init(
        header: String? = nil,
        ttlHeader: String? = nil,
        clearHeader: String? = nil,
        presetEnabled: Bool? = nil,
        presetTTL: Int? = nil
    ) {
        self.header = header
        self.ttlHeader = ttlHeader
        self.clearHeader = clearHeader
        self.presetEnabled = presetEnabled
        self.presetTTL = presetTTL
    }

    /// Whether anything asks about caching (otherwise there is nothing to decide).
    public var isEmpty: Bool { self.header == nil && self.ttlHeader == nil && self.presetEnabled == nil }

    /// Whether the answer is to replace its entry without reading it.
    public var clears: Bool { self.clearHeader?.lowercased() == "true" }

    /// The cache for the request, or `nil` when it is off. OpenRouter's precedence: a preset's `cache_enabled:
    /// false` wins over everything; then the header; then the preset's `true`; with neither, off. The TTL header
    /// wins over the preset's TTL (default 300 s).
    /// - Throws: 400 naming the header when a value is not one it takes.
    public func settings() throws(GatewayError) -> CacheSettings? {
        let asked: Bool?
        switch self.header?.lowercased() {
        case nil: asked = nil
        case "true", "1": asked = true
        case "false", "0": asked = false
        case let other?: throw Self.badHeader("X-OpenRouter-Cache", "'\(other)' is not true or false")
        }
        var ttl = self.presetTTL ?? Self.defaultTTL
        if let text = self.ttlHeader {
            guard let seconds = Int(text), Self.ttlRange.contains(seconds) else {
                throw Self.badHeader(
                    "X-OpenRouter-Cache-TTL",
                    "'\(text)' is not a whole number of seconds from 1 to 86400"
                )
            }
            ttl = seconds
        }
        if self.presetEnabled == false { return nil }
        guard asked ?? self.presetEnabled ?? false else { return nil }
        return CacheSettings(mode: .simple, maxAgeSeconds: ttl)
    }

    private static func badHeader(_ name: String, _ problem: String) -> GatewayError {
        GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "invalid_header",
            param: name,
            message: "\(name): \(problem)."
        )
    }
}
