import Foundation
import Logging
import ServiceLifecycle
import SwitchboardStore

/// Drops expired response cache entries every `interval`: from this process's memory, and from the store (where
/// a few replicas doing the same delete is harmless).
struct CachePurger: Service {
    let cache: ResponseCache
    let semanticCache: SemanticCache
    let store: (any Store)?
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // A shutdown ends the wait at once (a minute's sleep would hold the process up).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                if Task.isCancelled { return }
                await self.purge()
            }
        }
    }

    func purge() async {
        let now = Int(Date().timeIntervalSince1970)
        let dropped = self.cache.purge(now: now)
        self.semanticCache.purge(now: now)
        var removed = 0
        if let store = self.store {
            do {
                removed = try await store.purgeCacheEntries(now: Int64(now))
            } catch {
                self.logger.warning(
                    "could not purge expired cache entries from the store",
                    metadata: ["error": "\(error)"]
                )
            }
        }
        if dropped + removed > 0 {
            self.logger.debug(
                "expired cache entries purged",
                metadata: ["memory": "\(dropped)", "store": "\(removed)"]
            )
        }
    }
}
