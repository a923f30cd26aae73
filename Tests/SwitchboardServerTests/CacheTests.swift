import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardStore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// The response cache through real HTTP (docs/cache.md): hits, misses, refresh, namespaces, streams replayed,
/// and what is never cached.
@Suite(.serialized) struct CacheTests {
    static let caching = #"{"provider":"mock","cache":{"mode":"simple","max_age":600}}"#

    static func chat(
        _ fixture: GatewayFixture,
        content: String = "hi",
        stream: Bool = false,
        model: String = "mock-1",
        config: String? = Self.caching,
        headers: [(String, String)] = []
    ) async throws -> TestResponse {
        let body =
            stream
            ? #"{"model":"\#(model)","stream":true,"messages":[{"role":"user","content":"\#(content)"}]}"#
            : #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(content)"}]}"#
        return try await fixture.client.request(
            "/v1/chat/completions",
            headers: (config.map { [("x-portkey-config", $0)] } ?? [("x-portkey-provider", "mock")]) + headers,
            body: body
        )
    }

    @Test func aRepeatedRequestIsAnsweredFromTheCache() async throws {
        try await GatewayFixture.with { fixture in
            let first = try await Self.chat(fixture)
            #expect(first.status == 200)
            #expect(first.header("x-portkey-cache-status") == "MISS")
            let second = try await Self.chat(fixture)
            #expect(second.status == 200)
            #expect(second.header("x-portkey-cache-status") == "HIT")
            #expect(second.text == first.text)
            #expect(second.header("content-type") == first.header("content-type"))
            #expect(fixture.mock.recorder.requestCount == 1)
            // The same JSON written with other key order and spacing is the same request.
            let reordered = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", Self.caching)],
                body: #" { "messages" : [ { "content" : "hi" , "role" : "user" } ] , "model" : "mock-1" } "#
            )
            #expect(reordered.header("x-portkey-cache-status") == "HIT")
            // Another prompt, another namespace: misses.
            #expect(try await Self.chat(fixture, content: "hello").header("x-portkey-cache-status") == "MISS")
            let namespaced = try await Self.chat(fixture, headers: [("x-portkey-cache-namespace", "team-b")])
            #expect(namespaced.header("x-portkey-cache-status") == "MISS")
            // Forced refresh goes upstream and replaces the entry (a miss for the metrics).
            let refreshed = try await Self.chat(fixture, headers: [("x-portkey-cache-force-refresh", "true")])
            #expect(refreshed.header("x-portkey-cache-status") == "REFRESH")
            #expect(fixture.mock.recorder.requestCount == 4)
            #expect(try await Self.chat(fixture).text == refreshed.text)
            // Without a cache in the config: DISABLED.
            let plain = try await Self.chat(fixture, config: nil)
            #expect(plain.header("x-portkey-cache-status") == "DISABLED")
            let metrics = try await fixture.client.request("/metrics", method: .GET)
            #expect(metrics.text.contains("switchboard_cache_hits_total 3"), "\(metrics.text)")
            #expect(metrics.text.contains("switchboard_cache_misses_total 4"))
            #expect(metrics.text.contains("switchboard_cache_entries 3.0"), "\(metrics.text)")
            let bytes = fixture.runtime.responseCache.stats.bytes
            #expect(bytes > 0 && metrics.text.contains("switchboard_cache_bytes \(bytes).0"))
        }
    }

    @Test func aStreamIsReplayedWithTheSameEvents() async throws {
        try await GatewayFixture.with { fixture in
            let first = try await Self.chat(fixture, stream: true)
            #expect(first.status == 200)
            #expect(first.header("x-portkey-cache-status") == "MISS")
            #expect(first.text.contains("data: [DONE]"))
            let second = try await Self.chat(fixture, stream: true)
            #expect(second.header("x-portkey-cache-status") == "HIT")
            #expect(second.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(second.text == first.text)
            #expect(fixture.mock.recorder.requestCount == 1)
            // A streamed request and a JSON one are different requests.
            #expect(try await Self.chat(fixture).header("x-portkey-cache-status") == "MISS")
        }
    }

    /// A stream the upstream cut is relayed as cut and never stored: the same request later goes upstream.
    @Test func aCutStreamIsNotStored() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            let cut = try await Self.chat(fixture, stream: true, headers: [("x-mock-reset-after", "3")])
            #expect(cut.status == 200)
            #expect(!cut.complete)
            #expect(cut.header("x-portkey-cache-status") == "MISS")
            let queued = await fulfilled { await fixture.runtime.requestLogQueued(atLeast: 1) }
            #expect(queued)
            let whole = try await Self.chat(fixture, stream: true)
            #expect(whole.header("x-portkey-cache-status") == "MISS")
            #expect(whole.complete)
            #expect(try await Self.chat(fixture, stream: true).header("x-portkey-cache-status") == "HIT")
            #expect(fixture.mock.recorder.requestCount == 2)
        }
    }

    @Test func errorsAndUnloggedRequestsAreNotCached() async throws {
        try await GatewayFixture.with { fixture in
            for _ in 0..<2 {
                let failed = try await Self.chat(fixture, model: "mock-1;status=500")
                #expect(failed.status == 500)
                #expect(failed.header("x-portkey-cache-status") == "MISS")
            }
            for _ in 0..<2 {
                let unlogged = try await Self.chat(fixture, headers: [("x-portkey-debug", "false")])
                #expect(unlogged.status == 200)
                #expect(unlogged.header("x-portkey-cache-status") == "DISABLED")
            }
            #expect(fixture.mock.recorder.requestCount == 4)
        }
    }

    @Test func aBadCacheSettingIsA400NamingTheField() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await Self.chat(
                fixture,
                config: #"{"provider":"mock","cache":{"mode":"simple","max_age":5}}"#
            )
            #expect(response.status == 400)
            #expect(response.text.contains("cache.max_age"))
            #expect(fixture.mock.recorder.requestCount == 0)
        }
    }

    // MARK: The store

    /// Two gateways on one store: an answer one of them stored is a hit on the other, which never calls its
    /// provider; a gateway started later (a restart) finds it too.
    @Test(arguments: TestStores.available)
    func replicasShareEntriesThroughTheStore(kind: TestStores.Kind) async throws {
        let location = try await TestStores.location(kind, group: MultiThreadedEventLoopGroup.singleton)
        let stored = try await GatewayFixture.with(store: location) { first in
            let miss = try await Self.chat(first, content: "shared")
            #expect(miss.header("x-portkey-cache-status") == "MISS")
            // Written behind the answer.
            let written = await fulfilled {
                while (try? await first.store!.cacheEntryStats().entries) != 1 {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return true
            }
            #expect(written)
            return miss.text
        }
        try await GatewayFixture.with(store: location) { second in
            let hit = try await Self.chat(second, content: "shared")
            #expect(hit.header("x-portkey-cache-status") == "HIT")
            #expect(hit.text == stored)
            #expect(second.mock.recorder.requestCount == 0)
            // Now in this replica's memory too.
            let stats = try await second.client.request("/v1/cache", method: .GET)
            #expect(stats.status == 200, "\(stats.text)")
            #expect((stats.json["memory"] as? [String: Any])?["entries"] as? Int == 1)
            #expect((stats.json["store"] as? [String: Any])?["entries"] as? Int == 1)
        }
    }

    /// A hit is logged as HIT with its tokens as cached, cost 0 and the cost it saved; it is not charged under a
    /// tokens budget.
    @Test func aHitCostsNothingAndIsNotChargedToABudget() async throws {
        try await GatewayFixture.with(yaml: AccountingTests.yaml, storeKind: .sqlite) { fixture in
            let policy = try await fixture.client.request(
                "/v1/policies/usage-limits",
                body:
                    #"{"name":"all","conditions":[{"key":"workspace_id","value":"*"}],"group_by":[{"key":"workspace_id"}],"type":"tokens","credit_limit":100000}"#
            )
            #expect(policy.status == 200, "\(policy.text)")
            let first = try await Self.chat(fixture)
            #expect(first.header("x-portkey-cache-status") == "MISS")
            let used = (first.json["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0
            for _ in 0..<3 { #expect(try await Self.chat(fixture).header("x-portkey-cache-status") == "HIT") }
            let queued = await fulfilled { await fixture.runtime.requestLogQueued(atLeast: 4) }
            #expect(queued)
            let charged = fixture.runtime.snapshot.policies.usageByEntity().map(\.used).reduce(0, +)
            #expect(charged == Double(used))
            await fixture.runtime.flushRequestLog()
            let (records, _) = try await fixture.store!.listRequestLogs(
                filter: RequestLogFilter(),
                limit: 10,
                offset: 0
            )
            let hits = records.filter { $0.cacheStatus == "HIT" }
            #expect(hits.count == 3)
            let miss = try #require(records.first { $0.cacheStatus == "MISS" })
            for hit in hits {
                #expect(hit.costCents == 0)
                #expect(hit.cacheSavedCents == miss.costCents)
                #expect(hit.usageSource == "cache")
                #expect(hit.promptTokens + hit.completionTokens == used)
                #expect(hit.cachedTokens == hit.promptTokens)
            }
            #expect((miss.costCents ?? 0) > 0)
            let metrics = try await fixture.client.request("/metrics", method: .GET)
            #expect(metrics.text.contains("switchboard_cache_saved_cents_total"))
            let range = "time_of_generation_min=2020-01-01T00:00:00Z&time_of_generation_max=2100-01-01T00:00:00Z"
            let summary = try await fixture.client.request("/v1/analytics/summary/cache?\(range)", method: .GET)
            #expect(summary.text.contains(#""hits":3"#), "\(summary.text)")
            #expect(summary.text.contains(#""total_requests":4"#), "\(summary.text)")
            let rate = try await fixture.client.request("/v1/analytics/graphs/cache/hit-rate?\(range)", method: .GET)
            let points = rate.json["data_points"] as? [[String: Any]] ?? []
            let savings = points.last?["cumulative_simple_cache_savings"] as? Int ?? -1
            #expect(savings == Int((3 * (miss.costCents ?? 0)).rounded()), "\(rate.text)")
            let latency = try await fixture.client.request("/v1/analytics/graphs/cache/latency?\(range)", method: .GET)
            #expect(latency.status == 200, "\(latency.text)")
            #expect((latency.json["data_points"] as? [[String: Any]])?.first?["avg"] is Int)
        }
    }

    /// A spent budget refuses what the provider would answer, but not what the cache answers (it costs nothing);
    /// a request that misses is refused with the budget's 412, without an upstream call.
    @Test func aSpentBudgetStillLetsTheCacheAnswer() async throws {
        try await GatewayFixture.with(yaml: AccountingTests.yaml, storeKind: .sqlite) { fixture in
            let policy = try await fixture.client.request(
                "/v1/policies/usage-limits",
                body:
                    #"{"name":"tiny","conditions":[{"key":"workspace_id","value":"*"}],"group_by":[{"key":"workspace_id"}],"type":"tokens","credit_limit":40}"#
            )
            #expect(policy.status == 200, "\(policy.text)")
            func ask(_ content: String, config: String? = Self.caching) async throws -> TestResponse {
                try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: config.map { [("x-portkey-config", $0)] } ?? [("x-portkey-provider", "mock")],
                    body: #"{"model":"mock-1","max_tokens":10,"messages":[{"role":"user","content":"\#(content)"}]}"#
                )
            }
            // The first answer fits (its worst case is its prompt and 10 tokens) and spends most of the budget.
            let first = try await ask("hi")
            #expect(first.status == 200, "\(first.text)")
            #expect(first.header("x-portkey-cache-status") == "MISS")
            let refused = try await ask("another question")
            #expect(refused.status == 412, "\(refused.text)")
            #expect(refused.text.contains("usage_limit_exceeded"))
            // The cached question is still answered, from the cache.
            let hit = try await ask("hi")
            #expect(hit.status == 200, "\(hit.text)")
            #expect(hit.header("x-portkey-cache-status") == "HIT")
            #expect(fixture.mock.recorder.requestCount == 1)
            // Without a cache in the config, the same question is refused.
            #expect(try await ask("hi", config: nil).status == 412)
            #expect(fixture.mock.recorder.requestCount == 1)
        }
    }

    @Test func deletingANamespaceEmptiesItAlone() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            _ = try await Self.chat(fixture)
            _ = try await Self.chat(fixture, headers: [("x-portkey-cache-namespace", "team-b")])
            let written = await fulfilled {
                while (try? await fixture.store!.cacheEntryStats().entries) != 2 {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return true
            }
            #expect(written)
            let deleted = try await fixture.client.request("/v1/cache?namespace=team-b", method: .DELETE)
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(deleted.json["deleted"] as? Int == 1)
            let teamB = try await Self.chat(fixture, headers: [("x-portkey-cache-namespace", "team-b")])
            #expect(teamB.header("x-portkey-cache-status") == "MISS")
            #expect(try await Self.chat(fixture).header("x-portkey-cache-status") == "HIT")
            let all = try await fixture.client.request("/v1/cache", method: .DELETE)
            #expect(all.status == 200)
            #expect(try await Self.chat(fixture).header("x-portkey-cache-status") == "MISS")
        }
    }

    /// A deletion on one replica reaches the memory of another through the store's change mark: its copy of the
    /// namespace's answer is dropped, and the next request misses instead of serving the deleted answer.
    @Test(arguments: TestStores.available)
    func aDeletionReachesTheOtherReplicasMemory(kind: TestStores.Kind) async throws {
        let location = try await TestStores.location(kind, group: MultiThreadedEventLoopGroup.singleton)
        try await GatewayFixture.with(store: location) { first in
            try await GatewayFixture.with(store: location) { second in
                let team = [("x-portkey-cache-namespace", "team-c")]
                #expect(try await Self.chat(first, headers: team).header("x-portkey-cache-status") == "MISS")
                #expect(try await Self.chat(first).header("x-portkey-cache-status") == "MISS")
                let written = await fulfilled {
                    while (try? await first.store!.cacheEntryStats().entries) != 2 {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    return true
                }
                #expect(written)
                // The second replica takes both answers into its memory.
                #expect(try await Self.chat(second, headers: team).header("x-portkey-cache-status") == "HIT")
                #expect(try await Self.chat(second).header("x-portkey-cache-status") == "HIT")
                #expect(second.runtime.responseCache.stats.entries == 2)
                let deleted = try await first.client.request("/v1/cache?namespace=team-c", method: .DELETE)
                #expect(deleted.status == 200, "\(deleted.text)")
                let dropped = await fulfilled {
                    while second.runtime.responseCache.stats.entries != 1 {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    return true
                }
                #expect(dropped)
                #expect(try await Self.chat(second, headers: team).header("x-portkey-cache-status") == "MISS")
                #expect(try await Self.chat(second).header("x-portkey-cache-status") == "HIT")
            }
        }
    }

    // MARK: OpenRouter's controls

    /// `X-OpenRouter-Cache: true` caches through the same cache, with OpenRouter's response headers; a preset's
    /// `cache_enabled` turns it on (and `false` off, whatever the header says), and is never sent upstream.
    @Test func openRoutersCacheControlsMapOntoTheSameCache() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            let on = [("x-openrouter-cache", "true"), ("x-openrouter-cache-ttl", "120")]
            let first = try await Self.chat(fixture, content: "or", config: nil, headers: on)
            #expect(first.header("x-openrouter-cache-status") == "MISS")
            #expect(first.header("x-openrouter-cache-ttl") == "120")
            let second = try await Self.chat(fixture, content: "or", config: nil, headers: on)
            #expect(second.header("x-openrouter-cache-status") == "HIT")
            #expect(second.header("x-portkey-cache-status") == "HIT")
            #expect(second.header("x-openrouter-cache-source-id") == first.header("x-request-id"))
            #expect(Int(second.header("x-openrouter-cache-age") ?? "") != nil)
            #expect(second.text == first.text)
            // Clear: upstream again, stored again.
            let cleared = try await Self.chat(
                fixture,
                content: "or",
                config: nil,
                headers: on + [("x-openrouter-cache-clear", "true")]
            )
            #expect(cleared.header("x-openrouter-cache-status") == "MISS")
            #expect(fixture.mock.recorder.requestCount == 2)
            // Without the header, nothing is cached.
            #expect(try await Self.chat(fixture, content: "or", config: nil).header("x-openrouter-cache-status") == nil)
            let bad = try await Self.chat(
                fixture,
                content: "or",
                config: nil,
                headers: [("x-openrouter-cache-ttl", "0")]
            )
            #expect(bad.status == 400)
            #expect(bad.text.contains("X-OpenRouter-Cache-TTL"))

            // A preset with cache_enabled: cached without a header; the setting is not a body field.
            let preset = try await fixture.client.request(
                "/api/v1/presets/cached/chat/completions",
                body:
                    #"{"model":"mock-1","cache_enabled":true,"cache_ttl_seconds":90,"messages":[{"role":"user","content":"p"}]}"#
            )
            #expect(preset.status == 200, "\(preset.text)")
            func viaPreset(_ headers: [(String, String)] = []) async throws -> TestResponse {
                try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: headers,
                    body: #"{"model":"@preset/cached","messages":[{"role":"user","content":"from a preset"}]}"#
                )
            }
            let presetMiss = try await viaPreset()
            #expect(presetMiss.status == 200, "\(presetMiss.text)")
            #expect(presetMiss.header("x-openrouter-cache-ttl") == "90")
            #expect(fixture.mock.recorder.requests.last?.bodyString.contains("cache_enabled") == false)
            #expect(try await viaPreset().header("x-openrouter-cache-status") == "HIT")
            #expect(try await viaPreset([("x-openrouter-cache", "false")]).header("x-openrouter-cache-status") == nil)
        }
    }
}
