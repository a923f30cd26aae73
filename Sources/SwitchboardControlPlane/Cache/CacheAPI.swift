import Foundation
import SwitchboardStore

/// The response cache's management (`/v1/cache`, docs/cache.md): what it holds, and emptying it by namespace.
struct CacheAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    /// `GET /v1/cache`: this process's memory and the store's entries.
    func stats(_ request: APIRequest) async throws -> ControlPlane.Response {
        let memory = self.context.host.cacheMemoryStats()
        let stored = try await self.context.store.cacheEntryStats()
        return .json(
            CacheStatsItem(
                memory: .init(
                    entries: memory.entries,
                    bytes: memory.bytes,
                    max_bytes: memory.maxBytes,
                    evictions: memory.evictions,
                    vectors: memory.vectors
                ),
                store: .init(entries: stored.entries, bytes: stored.bytes)
            )
        )
    }

    /// `DELETE /v1/cache?namespace=NAME`: the entries of one namespace (`namespace=` with no value: those stored
    /// without one), or every entry without the parameter.
    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        let namespace = request.query["namespace"]
        let deleted = try await self.context.store.deleteCacheEntries(namespace: namespace)
        self.context.host.cacheCleared(namespace: namespace)
        return .json(CacheDeleted(namespace: namespace, deleted: deleted))
    }
}

/// This process's in-memory cache, as the host reports it.
public struct CacheMemoryStats: Sendable {
    public var entries: Int
    public var bytes: Int
    public var maxBytes: Int
    public var evictions: Int
    /// Prompts the semantic cache holds as vectors.
    public var vectors: Int

    public init(entries: Int, bytes: Int, maxBytes: Int, evictions: Int, vectors: Int) {
        self.entries = entries
        self.bytes = bytes
        self.maxBytes = maxBytes
        self.evictions = evictions
        self.vectors = vectors
    }
}

struct CacheStatsItem: Encodable {
    struct Memory: Encodable {
        var entries: Int
        var bytes: Int
        var max_bytes: Int
        var evictions: Int
        var vectors: Int
    }

    struct Stored: Encodable {
        var entries: Int
        var bytes: Int
    }

    var object = "cache"
    var memory: Memory
    var store: Stored
}

struct CacheDeleted: Encodable {
    var object = "cache"
    var namespace: String?
    var deleted: Int
}
