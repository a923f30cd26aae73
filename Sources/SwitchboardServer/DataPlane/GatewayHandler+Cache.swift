import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore
import SwitchboardStore

/// The response cache in the request path (docs/cache.md): before an attempt to a target whose config caches,
/// an identical answer still fresh is sent at once — from this process's memory, else from the store (shared by
/// replicas) — otherwise the answer is kept as it is relayed and stored when it ends well (2xx, complete).
extension GatewayHandler {
    /// Answers the attempt from the cache (`true`), or waits for the store's answer and then answers or makes the
    /// attempt (`true`); `false`: the attempt goes on now (MISS, REFRESH, or the target does not cache).
    func answeredFromCache(_ attempt: Exchange.Attempt, to target: RouteTarget) -> Bool {
        guard let settings = target.cache ?? self.request!.openRouterCache, let key = self.cacheKey(for: target) else {
            return false
        }
        // Looked up already for this key (a retry, or the store had nothing).
        if self.request!.cache?.key == key { return false }
        let namespace = self.request!.portkey.cacheNamespace ?? ""
        let openRouter = target.cache == nil
        let refresh =
            self.request!.portkey.cacheForceRefresh?.lowercased() == "true"
            || (openRouter && self.request!.openRouterCacheClears)
        var use = CacheUse(
            key: key,
            namespace: namespace,
            maxAgeSeconds: settings.maxAgeSeconds,
            status: .miss,
            openRouter: openRouter
        )
        if refresh {
            use.status = .refresh
            self.request!.cache = use
            self.runtime.metrics.cacheMisses.increment()
            return false
        }
        let now = Int(Date().timeIntervalSince1970)
        if let entry = self.runtime.responseCache.lookup(key, now: now) {
            self.request!.cache = use
            self.answer(from: entry)
            return true
        }
        self.request!.cache = use
        guard self.runtime.config.cache.shared, let store = self.runtime.store, let context = self.context else {
            self.runtime.metrics.cacheMisses.increment()
            return false
        }
        // Not in memory: the store may have it (another replica's answer, or one from before a restart).
        let serial = self.request!.serial
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let logger = self.runtime.logger
        Task {
            var stored: StoredCacheEntry?
            do {
                stored = try await store.cacheEntry(key: key.hex, now: Int64(now))
            } catch {
                logger.warning("could not read the response cache from the store", metadata: ["error": "\(error)"])
            }
            let found = stored
            handler.eventLoop.execute {
                let handler = handler.value
                guard handler.request?.serial == serial,
                    handler.request!.exchange.state == .connecting(attempt: attempt.number)
                else { return }
                if let stored = found {
                    let entry = ResponseCache.Entry(stored)
                    handler.runtime.responseCache.store(key, entry)
                    handler.answer(from: entry)
                } else {
                    handler.runtime.metrics.cacheMisses.increment()
                    handler.connect(attempt)
                }
            }
        }
        return true
    }

    /// Sends a cached answer: a HIT.
    private func answer(from entry: ResponseCache.Entry) {
        self.request!.cache!.status = .hit
        self.request!.cache!.answer = entry
        self.runtime.metrics.cacheHits.increment()
        if let saved = entry.costCents, saved > 0 { self.runtime.metrics.cacheSavedCents.increment(by: saved) }
        self.send(
            status: HTTPResponseStatus(statusCode: entry.status),
            contentType: entry.contentType,
            body: Array(entry.body.readableBytesView)
        )
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
            limit: self.runtime.responseCache.maxEntryBytes
        )
    }

    /// The answer ended well: it is kept in memory under the request's key, and written to the store behind it.
    func storeInCache(_ request: GatewayRequest, usage: TokenUsage, costCents: Double?) {
        guard let use = request.cache, use.status != .hit, let capture = request.accounting.stages.cacheCapture,
            !capture.overflowed
        else { return }
        let now = Int(Date().timeIntervalSince1970)
        let entry = ResponseCache.Entry(
            status: request.exchange.status,
            contentType: capture.contentType,
            body: capture.body,
            eventStream: capture.eventStream,
            namespace: use.namespace,
            sourceID: request.id,
            storedAt: now,
            expiresAt: now + use.maxAgeSeconds,
            promptTokens: usage.promptTokens,
            completionTokens: usage.completionTokens,
            costCents: costCents
        )
        guard self.runtime.responseCache.store(use.key, entry), self.runtime.config.cache.shared,
            let store = self.runtime.store
        else { return }
        let stored = entry.stored(key: use.key)
        let logger = self.runtime.logger
        Task {
            do {
                try await store.storeCacheEntry(stored)
            } catch {
                logger.warning("could not write a response cache entry to the store", metadata: ["error": "\(error)"])
            }
        }
    }
}
