import Foundation
import NIOHTTP1
import SwitchboardMock
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// The response cache through real HTTP (docs/cache.md): hits, misses, refresh, namespaces, streams replayed,
/// and what is never cached.
@Suite struct CacheTests {
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
}
