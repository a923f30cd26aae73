import NIOCore
import Synchronization

/// Answers kept for identical requests (docs/cache.md), in memory: bounded in bytes, the least recently used
/// entry leaves first, an expired entry is never served. One lock; a lookup copies no body (a `ByteBuffer` is
/// shared, not copied).
final class ResponseCache: Sendable {
    /// One cached answer, as the client got it.
    struct Entry: Sendable {
        let status: Int
        let contentType: String
        /// The body's payload, without transfer framing: the JSON, or the stream's events.
        let body: ByteBuffer
        let eventStream: Bool
        /// `x-portkey-cache-namespace`, or empty.
        let namespace: String
        /// The id of the request whose answer this is (`X-OpenRouter-Cache-Source-Id`).
        let sourceID: String
        /// Seconds since the epoch.
        let storedAt: Int
        let expiresAt: Int
        /// What the answer used when it was made: a hit reports these as cached and saves their cost.
        let promptTokens: Int
        let completionTokens: Int
        let costCents: Double?

        /// What the entry counts against the cache's bound (the body, and a little for the rest).
        var size: Int { self.body.readableBytes + self.contentType.utf8.count + 128 }
    }

    /// Counts for `/metrics` and the stats endpoint.
    struct Stats: Sendable, Equatable {
        var entries = 0
        var bytes = 0
        var evictions = 0
    }

    private struct Slot {
        var entry: Entry
        var older: CacheKey?
        var newer: CacheKey?
    }

    private struct State {
        var slots: [CacheKey: Slot] = [:]
        var oldest: CacheKey?
        var newest: CacheKey?
        var stats = Stats()

        mutating func unlink(_ key: CacheKey) -> Slot? {
            guard let slot = self.slots.removeValue(forKey: key) else { return nil }
            if let older = slot.older { self.slots[older]?.newer = slot.newer } else { self.oldest = slot.newer }
            if let newer = slot.newer { self.slots[newer]?.older = slot.older } else { self.newest = slot.older }
            return slot
        }

        mutating func linkNewest(_ key: CacheKey, _ entry: Entry) {
            self.slots[key] = Slot(entry: entry, older: self.newest, newer: nil)
            if let newest = self.newest { self.slots[newest]?.newer = key } else { self.oldest = key }
            self.newest = key
        }

        mutating func remove(_ key: CacheKey) {
            guard let slot = self.unlink(key) else { return }
            self.stats.entries -= 1
            self.stats.bytes -= slot.entry.size
        }
    }

    private let state = Mutex(State())
    /// The most the entries may take, in bytes; an answer larger than a quarter of it is not kept.
    let maxBytes: Int

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// The largest answer kept.
    var maxEntryBytes: Int { self.maxBytes / 4 }

    /// The entry for `key` if it is there and fresh at `now` (seconds since the epoch); it becomes the most
    /// recently used. An expired entry is dropped.
    func lookup(_ key: CacheKey, now: Int) -> Entry? {
        self.state.withLock { state in
            guard let slot = state.slots[key] else { return nil }
            guard slot.entry.expiresAt > now else {
                state.remove(key)
                return nil
            }
            if state.newest != key {
                _ = state.unlink(key)
                state.linkNewest(key, slot.entry)
            }
            return slot.entry
        }
    }

    /// Keeps `entry` under `key` (replacing what was there), dropping the least recently used entries until the
    /// cache fits its bound.
    /// - Returns: false when the entry is larger than ``maxEntryBytes`` and was not kept.
    @discardableResult
    func store(_ key: CacheKey, _ entry: Entry) -> Bool {
        guard entry.size <= self.maxEntryBytes else { return false }
        self.state.withLock { state in
            state.remove(key)
            state.linkNewest(key, entry)
            state.stats.entries += 1
            state.stats.bytes += entry.size
            while state.stats.bytes > self.maxBytes, let oldest = state.oldest {
                state.remove(oldest)
                state.stats.evictions += 1
            }
        }
        return true
    }

    /// Drops the entries expired at `now`; returns how many.
    @discardableResult
    func purge(now: Int) -> Int {
        self.state.withLock { state in
            let expired = state.slots.filter { $0.value.entry.expiresAt <= now }.map(\.key)
            for key in expired { state.remove(key) }
            return expired.count
        }
    }

    /// Drops the entries of `namespace` (`""`: stored without one), or every entry.
    func remove(namespace: String?) {
        self.state.withLock { state in
            let keys = state.slots.filter { namespace == nil || $0.value.entry.namespace == namespace }.map(\.key)
            for key in keys { state.remove(key) }
        }
    }

    var stats: Stats { self.state.withLock { $0.stats } }
}
