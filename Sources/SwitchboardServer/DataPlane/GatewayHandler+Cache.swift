import Foundation
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore

/// The response cache in the request path (docs/cache.md): before an attempt to a target whose config caches,
/// an identical answer still fresh is sent at once; otherwise the answer is kept as it is relayed and stored when
/// it ends well (2xx, complete).
extension GatewayHandler {
    /// Answers the attempt from the cache when it can (`true`); otherwise marks the request MISS or REFRESH.
    func answeredFromCache(_ target: RouteTarget) -> Bool {
        guard let settings = target.cache, let key = self.cacheKey(for: target) else { return false }
        let refresh = self.request!.portkey.cacheForceRefresh?.lowercased() == "true"
        if !refresh, let entry = self.runtime.responseCache.lookup(key, now: Int(Date().timeIntervalSince1970)) {
            self.request!.cache = CacheUse(key: key, maxAgeSeconds: settings.maxAgeSeconds, status: .hit)
            self.runtime.metrics.cacheHits.increment()
            self.send(
                status: HTTPResponseStatus(statusCode: entry.status),
                contentType: entry.contentType,
                body: Array(entry.body.readableBytesView)
            )
            return true
        }
        self.request!.cache = CacheUse(
            key: key,
            maxAgeSeconds: settings.maxAgeSeconds,
            status: refresh ? .refresh : .miss
        )
        self.runtime.metrics.cacheMisses.increment()
        return false
    }

    /// The key of the request's answer from `target`, or `nil` when the request is not cached: its body is not
    /// JSON, it streams its body through, or it asked for no logging of its bodies (`x-portkey-debug: false`).
    private func cacheKey(for target: RouteTarget) -> CacheKey? {
        guard case .buffered = self.request!.mode, let source = self.request!.source,
            let endpoint = self.request!.endpoint, endpoint != .countTokens,
            self.request!.portkey.debug?.lowercased() != "false"
        else { return nil }
        return CacheKey(
            endpoint: endpoint.label,
            provider: target.provider,
            model: target.model ?? target.overrideModel ?? self.request!.model ?? "",
            body: Array(source.body.readableBytesView),
            namespace: self.request!.portkey.cacheNamespace
        )
    }

    /// The response head is relayed: a 2xx answer of a request that missed is kept as it goes.
    func startCacheCapture(status: Int, contentType: String, eventStream: Bool) {
        guard self.request!.cache != nil, self.request!.cache!.status != .hit, (200..<300).contains(status) else {
            return
        }
        self.request!.accounting.stages.cacheCapture = CacheCapture(
            body: ByteBuffer(),
            contentType: contentType,
            eventStream: eventStream,
            limit: self.runtime.responseCache.maxBytes / 4
        )
    }

    /// The answer ended well: it is stored under the request's key.
    func storeInCache(_ request: GatewayRequest, usage: TokenUsage, costCents: Double?) {
        guard let use = request.cache, use.status != .hit, let capture = request.accounting.stages.cacheCapture,
            !capture.overflowed
        else { return }
        let now = Int(Date().timeIntervalSince1970)
        self.runtime.responseCache.store(
            use.key,
            ResponseCache.Entry(
                status: request.exchange.status,
                contentType: capture.contentType,
                body: capture.body,
                eventStream: capture.eventStream,
                storedAt: now,
                expiresAt: now + use.maxAgeSeconds,
                promptTokens: usage.promptTokens,
                completionTokens: usage.completionTokens,
                costCents: costCents
            )
        )
    }
}
