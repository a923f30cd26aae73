import SwitchboardCore

/// OpenRouter's cache controls (docs/cache.md): the `X-OpenRouter-Cache*` headers and a preset's `cache_enabled`
/// / `cache_ttl_seconds` decide whether the request's answer is cached, and for how long. A target's Portkey
/// `cache` wins over them.
struct CacheControlStage: RequestStage {
    func bodyRead(
        _ body: inout AttemptSource,
        request: inout GatewayRequest,
        runtime: GatewayRuntime
    )
        throws(GatewayError)
    {
        var controls = OpenRouterCacheControls(
            header: request.portkey.openRouterCache,
            ttlHeader: request.portkey.openRouterCacheTTL,
            clearHeader: request.portkey.openRouterCacheClear
        )
        if let slug = request.preset, let preset = runtime.snapshot.preset(slug) {
            controls.presetEnabled = preset.cacheEnabled
            controls.presetTTL = preset.cacheTTLSeconds
        }
        guard !controls.isEmpty else { return }
        request.openRouterCache = try controls.settings()
        request.openRouterCacheClears = controls.clears
    }
}
