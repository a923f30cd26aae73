import Foundation
import NIOCore
import SwitchboardCore
import SwitchboardStore

extension TokenUsage {
    /// What a cache hit reports: the stored answer's tokens, every one of them cached.
    init(cachedAnswer entry: ResponseCache.Entry) {
        self.init()
        self.promptTokens = entry.promptTokens
        self.completionTokens = entry.completionTokens
        self.cachedTokens = entry.promptTokens
        self.source = .cache
    }
}

extension ResponseCache.Entry {
    /// An entry read back from the store.
    init(_ stored: StoredCacheEntry) {
        self.init(
            status: stored.status,
            contentType: stored.contentType,
            body: ByteBuffer(bytes: stored.body),
            eventStream: stored.eventStream,
            namespace: stored.namespace,
            sourceID: stored.sourceID,
            storedAt: Int(stored.storedAt),
            expiresAt: Int(stored.expiresAt),
            promptTokens: stored.promptTokens,
            completionTokens: stored.completionTokens,
            costCents: stored.costCents
        )
    }

    /// The entry as the store keeps it, under `key`.
    func stored(key: CacheKey) -> StoredCacheEntry {
        StoredCacheEntry(
            key: key.hex,
            namespace: self.namespace,
            sourceID: self.sourceID,
            status: self.status,
            contentType: self.contentType,
            eventStream: self.eventStream,
            body: Data(self.body.readableBytesView),
            promptTokens: self.promptTokens,
            completionTokens: self.completionTokens,
            costCents: self.costCents,
            storedAt: Int64(self.storedAt),
            expiresAt: Int64(self.expiresAt)
        )
    }
}
