import Foundation
import SQLKit

/// The response cache's entries (docs/cache.md): written behind the answers, read when a replica's memory does
/// not have an entry, purged when expired.
extension SQLStore {
    public func storeCacheEntry(_ entry: StoredCacheEntry) async throws {
        try await self.database.raw(
            """
            INSERT INTO cache_entries (key, namespace, source_id, status, content_type, event_stream, body, prompt_tokens,
              completion_tokens, cost_cents, stored_at, expires_at)
            VALUES (\(bind: entry.key), \(bind: entry.namespace), \(bind: entry.sourceID), \(bind: entry.status),
              \(bind: entry.contentType),
              \(bind: entry.eventStream ? 1 : 0), \(bind: entry.body), \(bind: entry.promptTokens),
              \(bind: entry.completionTokens), \(bind: entry.costCents), \(bind: entry.storedAt), \(bind: entry.expiresAt))
            ON CONFLICT (key) DO UPDATE SET namespace = excluded.namespace, source_id = excluded.source_id,
              status = excluded.status,
              content_type = excluded.content_type, event_stream = excluded.event_stream, body = excluded.body,
              prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
              cost_cents = excluded.cost_cents, stored_at = excluded.stored_at, expires_at = excluded.expires_at
            """
        ).run()
    }

    /// The entry for `key`, if it is fresh at `now`.
    public func cacheEntry(key: String, now: Int64) async throws -> StoredCacheEntry? {
        guard
            let row = try await self.database.raw(
                "SELECT * FROM cache_entries WHERE key = \(bind: key) AND expires_at > \(bind: now)"
            ).first()
        else { return nil }
        return StoredCacheEntry(
            key: try row.decode(column: "key", as: String.self),
            namespace: try row.decode(column: "namespace", as: String.self),
            sourceID: try row.decode(column: "source_id", as: String.self),
            status: try row.decode(column: "status", as: Int.self),
            contentType: try row.decode(column: "content_type", as: String.self),
            eventStream: try row.decode(column: "event_stream", as: Int.self) != 0,
            body: try row.decode(column: "body", as: Data.self),
            promptTokens: try row.decode(column: "prompt_tokens", as: Int.self),
            completionTokens: try row.decode(column: "completion_tokens", as: Int.self),
            costCents: try row.decode(column: "cost_cents", as: Double?.self),
            storedAt: try row.decode(column: "stored_at", as: Int64.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64.self)
        )
    }

    /// Removes the entries of `namespace` (`""`: those stored without one), or every entry; returns how many.
    @discardableResult
    /// Other replicas see the deletion as a change (``cacheClears(after:upTo:)``) and drop their memory's copies.
    public func deleteCacheEntries(namespace: String?) async throws -> Int {
        let statement: SQLQueryString =
            if let namespace {
                "DELETE FROM cache_entries WHERE namespace = \(bind: namespace) RETURNING key"
            } else {
                "DELETE FROM cache_entries RETURNING key"
            }
        return try await self.transaction { db in
            let deleted = try await db.raw(statement).all().count
            try await Self.recordChange(db, entity: namespace == nil ? "cache_all" : "cache", key: namespace ?? "")
            return deleted
        }
    }

    /// The namespaces whose entries were deleted by changes after `mark` up to `upTo` (`nil` in the list: all).
    public func cacheClears(after mark: Int64, upTo: Int64) async throws -> [String?] {
        try await self.database.raw(
            """
            SELECT entity, entity_key FROM changes
            WHERE seq > \(bind: mark) AND seq <= \(bind: upTo) AND entity IN ('cache', 'cache_all') ORDER BY seq
            """
        ).all().map { row in
            try row.decode(column: "entity", as: String.self) == "cache_all"
                ? nil : try row.decode(column: "entity_key", as: String.self)
        }
    }

    /// Removes the entries expired at `now`; returns how many.
    @discardableResult
    public func purgeCacheEntries(now: Int64) async throws -> Int {
        try await self.database.raw("DELETE FROM cache_entries WHERE expires_at <= \(bind: now) RETURNING key").all()
            .count
    }

    /// How many entries the store holds, and their bodies' bytes.
    public func cacheEntryStats() async throws -> (entries: Int, bytes: Int) {
        let row = try await self.database.raw(
            "SELECT COUNT(*) AS entries, COALESCE(SUM(LENGTH(body)), 0) AS bytes FROM cache_entries"
        ).first()
        return (
            try row?.decode(column: "entries", as: Int.self) ?? 0,
            try row?.decode(column: "bytes", as: Int.self) ?? 0
        )
    }
}
