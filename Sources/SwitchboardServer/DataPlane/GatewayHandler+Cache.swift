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
        let store = self.runtime.config.cache.shared ? self.runtime.store : nil
        let semantic = settings.mode == .semantic ? self.semanticQuery(settings, target: target) : nil
        guard store != nil || semantic != nil, let context = self.context else {
            self.runtime.metrics.cacheMisses.increment()
            return false
        }
        // Not in memory: the store may have it (another replica's answer, or one from before a restart), and in
        // semantic mode a stored prompt may be close enough. Both are asked off the event loop.
        let serial = self.request!.serial
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let lookup = CacheLookup(
            key: key,
            store: store,
            semantic: semantic,
            threshold: settings.threshold,
            now: now,
            runtime: self.runtime
        )
        Task {
            let found = await lookup.run()
            handler.eventLoop.execute {
                let handler = handler.value
                guard handler.request?.serial == serial,
                    handler.request!.exchange.state == .connecting(attempt: attempt.number)
                else { return }
                if let vector = found.vector, let semantic {
                    handler.request!.cache!.semantic = CacheUse.Semantic(scope: semantic.scope, vector: vector)
                }
                if let entry = found.entry {
                    if found.similarity == nil { handler.runtime.responseCache.store(key, entry) }
                    handler.request!.cache!.similarity = found.similarity
                    handler.answer(from: entry)
                } else {
                    handler.runtime.metrics.cacheMisses.increment()
                    handler.connect(attempt)
                }
            }
        }
        return true
    }

    /// What a semantic lookup needs, taken from the request on the event loop: the prompt's text, the semantic
    /// key, and the client's credentials for the embeddings request. `nil` when the prompt does not qualify
    /// (docs/cache.md): the exact match is then all there is.
    private func semanticQuery(_ settings: CacheSettings, target: RouteTarget) -> SemanticQuery? {
        guard let model = settings.embeddingModel, let endpoint = self.request!.endpoint,
            let source = self.request!.source, let json = JSONValue(parsing: source.body.readableBytesView),
            let prompt = SemanticPrompt.extract(endpoint: endpoint, body: json, multiTurn: settings.multiTurn)
        else { return nil }
        let scope = CacheKey(
            endpoint: "semantic:" + endpoint.label,
            provider: target.provider,
            model: target.model ?? target.overrideModel ?? self.request!.model ?? "",
            json: prompt.rest,
            namespace: self.request!.portkey.cacheNamespace
        )
        var headers: [(String, String)] = [("x-portkey-trace-id", self.request!.traceID)]
        let head = self.request!.head
        for (name, value) in [
            ("authorization", head.header("authorization")), ("x-api-key", head.header("x-api-key")),
            ("x-portkey-api-key", head.header("x-portkey-api-key")),
            ("x-portkey-metadata", head.header("x-portkey-metadata")),
        ] {
            if let value { headers.append((name, value)) }
        }
        return SemanticQuery(text: prompt.text, model: model, scope: scope, headers: headers)
    }

    /// Sends a cached answer: a HIT, or a SEMANTIC HIT when a similar prompt's answer is sent.
    private func answer(from entry: ResponseCache.Entry) {
        self.request!.cache!.status = self.request!.cache!.similarity == nil ? .hit : .semanticHit
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
        // An answer carrying failed guardrails' results is this request's own.
        guard self.request!.cache != nil, !self.request!.cache!.status.isHit, (200..<300).contains(status),
            self.request!.guardrails?.anyFailed != true
        else {
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
        guard let use = request.cache, !use.status.isHit, let capture = request.accounting.stages.cacheCapture,
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
        guard self.runtime.responseCache.store(use.key, entry) else { return }
        if let semantic = use.semantic {
            self.runtime.semanticCache.insert(
                scope: semantic.scope,
                key: use.key,
                vector: semantic.vector,
                namespace: use.namespace,
                expiresAt: entry.expiresAt
            )
        }
        guard self.runtime.config.cache.shared, let store = self.runtime.store else { return }
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
