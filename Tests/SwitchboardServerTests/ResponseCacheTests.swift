import NIOCore
import Testing

@testable import SwitchboardServer

/// The in-memory cache without sockets: keys, freshness, the byte bound and least-recently-used eviction.
@Suite struct ResponseCacheTests {
    static func key(_ body: String, namespace: String? = nil, model: String = "m") -> CacheKey {
        CacheKey(
            endpoint: "/v1/chat/completions",
            provider: "p",
            model: model,
            body: Array(body.utf8),
            namespace: namespace
        )!
    }

    static func entry(
        _ body: String,
        at now: Int = 1_000,
        maxAge: Int = 60,
        namespace: String = ""
    ) -> ResponseCache.Entry {
        ResponseCache.Entry(
            status: 200,
            contentType: "application/json",
            body: ByteBuffer(string: body),
            eventStream: false,
            namespace: namespace,
            sourceID: "req-1",
            storedAt: now,
            expiresAt: now + maxAge,
            promptTokens: 3,
            completionTokens: 5,
            costCents: 0.1
        )
    }

    @Test func keysIgnoreKeyOrderAndWhitespaceButNotContentModelOrNamespace() {
        let key = Self.key(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(key == Self.key(#" { "messages" : [ { "content":"hi", "role":"user" } ], "model":"m" }"#))
        #expect(key != Self.key(#"{"model":"m","messages":[{"role":"user","content":"hi!"}]}"#))
        #expect(key != Self.key(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, namespace: "n"))
        #expect(key != Self.key(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, model: "other"))
        #expect(key.hex.count == 64)
        #expect(
            CacheKey(endpoint: "/v1/x", provider: "p", model: "m", body: Array("not json".utf8), namespace: nil) == nil
        )
    }

    @Test func anEntryIsServedUntilItExpires() {
        let cache = ResponseCache(maxBytes: 1 << 20)
        let key = Self.key(#"{"a":1}"#)
        #expect(cache.lookup(key, now: 1_000) == nil)
        cache.store(key, Self.entry("answer", at: 1_000, maxAge: 60))
        #expect(cache.lookup(key, now: 1_059)?.body == ByteBuffer(string: "answer"))
        #expect(cache.lookup(key, now: 1_060) == nil)
        #expect(cache.stats.entries == 0)
    }

    @Test func theLeastRecentlyUsedLeavesFirstWhenTheBoundIsReached() {
        // Each entry takes 200 + 16 + 128 = 344 bytes; four fit in 1,400.
        let cache = ResponseCache(maxBytes: 1_400)
        let body = String(repeating: "x", count: 200)
        let keys = (0..<5).map { Self.key(#"{"n":\#($0)}"#) }
        for key in keys.prefix(4) { cache.store(key, Self.entry(body)) }
        #expect(cache.stats.entries == 4)
        // Using the first makes the second the least recently used.
        #expect(cache.lookup(keys[0], now: 1_000) != nil)
        cache.store(keys[4], Self.entry(body))
        #expect(cache.stats.entries == 4 && cache.stats.bytes <= 1_400)
        #expect(cache.stats.evictions == 1)
        #expect(cache.lookup(keys[1], now: 1_000) == nil)
        for index in [0, 2, 3, 4] { #expect(cache.lookup(keys[index], now: 1_000) != nil) }
        // An answer larger than a quarter of the bound is not kept.
        cache.store(Self.key(#"{"big":1}"#), Self.entry(String(repeating: "y", count: 400)))
        #expect(cache.lookup(Self.key(#"{"big":1}"#), now: 1_000) == nil)
    }

    @Test func aNamespaceIsEmptiedAlone() {
        let cache = ResponseCache(maxBytes: 1 << 20)
        cache.store(Self.key(#"{"a":1}"#), Self.entry("plain"))
        cache.store(Self.key(#"{"a":1}"#, namespace: "b"), Self.entry("team b", namespace: "b"))
        cache.remove(namespace: "b")
        #expect(cache.lookup(Self.key(#"{"a":1}"#, namespace: "b"), now: 1_000) == nil)
        #expect(cache.lookup(Self.key(#"{"a":1}"#), now: 1_000) != nil)
        cache.remove(namespace: nil)
        #expect(cache.stats.entries == 0 && cache.stats.bytes == 0)
    }

    @Test func replacingAnEntryKeepsTheCountsExact() {
        let cache = ResponseCache(maxBytes: 1 << 20)
        let key = Self.key(#"{"a":1}"#)
        cache.store(key, Self.entry("one"))
        cache.store(key, Self.entry("three"))
        #expect(cache.stats.entries == 1)
        #expect(cache.stats.bytes == Self.entry("three").size)
        #expect(cache.lookup(key, now: 1_000)?.body == ByteBuffer(string: "three"))
        #expect(cache.purge(now: 2_000) == 1)
        #expect(cache.stats == ResponseCache.Stats(entries: 0, bytes: 0, evictions: 0))
    }
}
