import Logging
import SwitchboardCore
import SwitchboardStore

/// The part of a cache lookup that waits (docs/cache.md), run off the event loop when memory had no exact answer:
/// the store's entry for the key, then in semantic mode the prompt's embedding and the closest stored prompt's
/// answer (from memory, else the store).
struct CacheLookup: Sendable {
    struct Found: Sendable {
        var entry: ResponseCache.Entry?
        /// Set when a similar prompt's answer was found.
        var similarity: Double?
        /// The prompt's vector, kept with the answer when it is stored.
        var vector: [Float]?
    }

    let key: CacheKey
    let store: (any Store)?
    let semantic: SemanticQuery?
    let threshold: Double
    let now: Int
    let runtime: GatewayRuntime

    func run() async -> Found {
        var found = Found(entry: await self.storedEntry(self.key))
        guard found.entry == nil, let semantic = self.semantic else { return found }
        found.vector = await self.embedding(semantic)
        guard let vector = found.vector,
            let match = self.runtime.semanticCache.nearest(
                scope: semantic.scope,
                to: vector,
                threshold: self.threshold,
                now: self.now
            )
        else { return found }
        var entry = self.runtime.responseCache.lookup(match.key, now: self.now)
        if entry == nil { entry = await self.storedEntry(match.key) }
        if entry != nil {
            found.entry = entry
            found.similarity = match.similarity
        }
        return found
    }

    /// The store's fresh entry for `key`, or `nil` (none, no store, or the store failed: logged).
    private func storedEntry(_ key: CacheKey) async -> ResponseCache.Entry? {
        guard let store = self.store else { return nil }
        do {
            return try await store.cacheEntry(key: key.hex, now: Int64(self.now)).map(ResponseCache.Entry.init)
        } catch {
            self.runtime.logger.warning(
                "could not read the response cache from the store",
                metadata: ["error": "\(error)"]
            )
            return nil
        }
    }

    /// The prompt's vector, or `nil` when the embeddings model failed (logged): the request then misses.
    private func embedding(_ query: SemanticQuery) async -> [Float]? {
        do {
            return try await self.runtime.semanticCache.embed(query.text, model: query.model, headers: query.headers)
        } catch {
            self.runtime.logger.warning(
                "semantic cache: no embedding for the prompt; the provider is asked",
                metadata: ["embedding_model": "\(query.model)", "error": "\(error)"]
            )
            return nil
        }
    }
}
