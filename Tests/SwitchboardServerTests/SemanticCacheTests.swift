import Foundation
import NIOHTTP1
import SwitchboardMock
import SwitchboardStore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// The semantic cache through real HTTP (docs/cache.md): a prompt close enough in meaning is answered from the
/// cache, embedded by the mock's embeddings (which reflect the text) through the gateway's own routing.
@Suite(.serialized) struct SemanticCacheTests {
    static let semantic =
        #"{"provider":"mock","cache":{"mode":"semantic","max_age":600,"embedding_model":"mock/embed"}}"#

    static func chat(
        _ fixture: GatewayFixture,
        _ content: String,
        config: String = Self.semantic,
        extra: String = "",
        headers: [(String, String)] = []
    ) async throws -> TestResponse {
        try await fixture.client.request(
            "/v1/chat/completions",
            headers: [("x-portkey-config", config)] + headers,
            body: #"{"model":"mock-1"\#(extra),"messages":[{"role":"user","content":"\#(content)"}]}"#
        )
    }

    static func calls(_ fixture: GatewayFixture, _ suffix: String) -> Int {
        fixture.mock.recorder.requests.filter { $0.uri.hasSuffix(suffix) }.count
    }

    @Test func aSimilarPromptIsASemanticHit() async throws {
        try await GatewayFixture.with { fixture in
            let first = try await Self.chat(fixture, "What is the capital of France?")
            #expect(first.status == 200)
            #expect(first.header("x-portkey-cache-status") == "MISS")
            #expect(Self.calls(fixture, "/chat/completions") == 1)
            #expect(Self.calls(fixture, "/embeddings") == 1)
            // The embeddings request went through the gateway's routing: `mock/embed` → the mock, model `embed`.
            let embedding = try #require(fixture.mock.recorder.requests.first { $0.uri.hasSuffix("/embeddings") })
            #expect(embedding.bodyString.contains(#""model":"embed""#))
            #expect(embedding.bodyString.contains("What is the capital of France?"))

            let similar = try await Self.chat(fixture, "what is the capital of france")
            #expect(similar.status == 200)
            #expect(similar.header("x-portkey-cache-status") == "SEMANTIC HIT")
            #expect(similar.header("x-switchboard-cache-similarity") == "1.0000")
            #expect(similar.text == first.text)
            #expect(Self.calls(fixture, "/chat/completions") == 1)

            // Another question is a miss; so is the same question with another parameter (the rest of the body).
            let other = try await Self.chat(fixture, "Write a haiku about cats")
            #expect(other.header("x-portkey-cache-status") == "MISS")
            let warmer = try await Self.chat(fixture, "what is the capital of France", extra: #","temperature":1"#)
            #expect(warmer.header("x-portkey-cache-status") == "MISS")
            // …and another namespace.
            let namespaced = try await Self.chat(
                fixture,
                "What is the capital of France",
                headers: [("x-portkey-cache-namespace", "b")]
            )
            #expect(namespaced.header("x-portkey-cache-status") == "MISS")
            #expect(Self.calls(fixture, "/chat/completions") == 4)
            let metrics = try await fixture.client.request("/metrics", method: .GET)
            #expect(metrics.text.contains("switchboard_cache_hits_total 1"), "\(metrics.text)")
        }
    }

    /// The threshold decides: a changed word is a hit only when the threshold allows that distance.
    @Test func theThresholdDecides() async throws {
        try await GatewayFixture.with { fixture in
            let strict = Self.semantic
            let loose =
                #"{"provider":"mock","cache":{"mode":"semantic","max_age":600,"embedding_model":"mock/embed","threshold":0.5}}"#
            #expect(try await Self.chat(fixture, "What is the capital of France?", config: strict).status == 200)
            let spain = try await Self.chat(fixture, "What is the capital of Spain?", config: strict)
            #expect(spain.header("x-portkey-cache-status") == "MISS")
            // The loose config is another cache config but the same scope: it finds France's or Spain's answer.
            let italy = try await Self.chat(fixture, "What is the capital of Italy?", config: loose)
            #expect(italy.header("x-portkey-cache-status") == "SEMANTIC HIT")
            let similarity = Double(italy.header("x-switchboard-cache-similarity") ?? "") ?? 0
            #expect(similarity >= 0.5 && similarity < 0.95, "\(similarity)")
        }
    }

    /// Only one turn is matched by meaning unless `multi_turn` says otherwise: the conversation is not embedded.
    @Test func conversationsAreMatchedExactlyByDefault() async throws {
        try await GatewayFixture.with { fixture in
            let first = try await Self.conversation(fixture, "Capital of France?")
            #expect(first.header("x-portkey-cache-status") == "MISS")
            let similar = try await Self.conversation(fixture, "capital of france")
            #expect(similar.header("x-portkey-cache-status") == "MISS")
            // The exact same conversation is still an exact hit.
            let same = try await Self.conversation(fixture, "capital of france")
            #expect(same.header("x-portkey-cache-status") == "HIT")
            #expect(Self.calls(fixture, "/embeddings") == 0)
        }
    }

    static func conversation(_ fixture: GatewayFixture, _ last: String) async throws -> TestResponse {
        try await fixture.client.request(
            "/v1/chat/completions",
            headers: [("x-portkey-config", Self.semantic)],
            body: #"{"model":"mock-1","messages":[{"role":"user","content":"hi"},"#
                + #"{"role":"assistant","content":"hello"},{"role":"user","content":"\#(last)"}]}"#
        )
    }

    /// When the embeddings model fails, the request is answered by its provider, as on a miss.
    @Test func aFailingEmbeddingsModelIsAMiss() async throws {
        try await GatewayFixture.with { fixture in
            let broken =
                #"{"provider":"mock","cache":{"mode":"semantic","max_age":600,"embedding_model":"mock/embed;status=500"}}"#
            let first = try await Self.chat(fixture, "What is the capital of France?", config: broken)
            #expect(first.status == 200)
            #expect(first.header("x-portkey-cache-status") == "MISS")
            let again = try await Self.chat(fixture, "what is the capital of france", config: broken)
            #expect(again.header("x-portkey-cache-status") == "MISS")
            // The exact match still works without embeddings.
            let exact = try await Self.chat(fixture, "What is the capital of France?", config: broken)
            #expect(exact.header("x-portkey-cache-status") == "HIT")
        }
    }

    /// A semantic hit is logged as `SEMANTIC HIT` at cost 0; the embeddings request is logged as its own request,
    /// charged to the same caller; the analytics count semantic hits apart; deleting the namespace forgets vectors.
    @Test func aSemanticHitIsAccountedAndForgotten() async throws {
        try await GatewayFixture.with(yaml: AccountingTests.yaml, storeKind: .sqlite) { fixture in
            #expect(try await Self.chat(fixture, "What is the capital of France?").status == 200)
            let hit = try await Self.chat(fixture, "what is the capital of france?")
            #expect(hit.header("x-portkey-cache-status") == "SEMANTIC HIT")
            // Two chat requests and their two embeddings requests.
            let queued = await fulfilled { await fixture.runtime.requestLogQueued(atLeast: 4) }
            #expect(queued)
            await fixture.runtime.flushRequestLog()
            let logs = try await fixture.client.request("/v1/logs?page_size=10", method: .GET)
            let rows = try #require(logs.json["data"] as? [[String: Any]], "\(logs.text)")
            let metrics = rows.compactMap { $0["metrics"] as? [String: Any] }
            let hits = metrics.filter { $0["cache_status"] as? String == "SEMANTIC HIT" }
            #expect(hits.count == 1, "\(logs.text)")
            #expect(hits.first?["cost"] as? Double == 0)
            #expect((hits.first?["cache_saved_cents"] as? Double ?? 0) > 0)
            // Two embeddings requests, each logged as a request of its own under its chat request's trace id.
            let embeddings = rows.filter { ($0["request"] as? [String: Any])?["url"] as? String == "/v1/embeddings" }
            #expect(embeddings.count == 2, "\(logs.text)")
            let traces = Set(metrics.map { $0["trace_id"] as? String ?? "" })
            #expect(traces.count == 2, "\(logs.text)")
            let graph = try await fixture.client.request(
                "/v1/analytics/graphs/cache/hit-rate?time_of_generation_min=2000-01-01T00:00:00Z"
                    + "&time_of_generation_max=2100-01-01T00:00:00Z",
                method: .GET
            )
            let points = try #require(graph.json["data_points"] as? [[String: Any]], "\(graph.text)")
            #expect(points.reduce(0) { $0 + ($1["semantic_hits"] as? Int ?? 0) } == 1, "\(graph.text)")
            #expect(points.reduce(0) { $0 + ($1["simple_hits"] as? Int ?? 0) } == 0, "\(graph.text)")
            let stats = try await fixture.client.request("/v1/cache", method: .GET)
            #expect((stats.json["memory"] as? [String: Any])?["vectors"] as? Int == 1, "\(stats.text)")
            let deleted = try await fixture.client.request("/v1/cache", method: .DELETE)
            #expect(deleted.status == 200)
            #expect(fixture.runtime.semanticCache.count == 0)
            #expect(
                try await Self.chat(fixture, "What is the capital of France").header("x-portkey-cache-status") == "MISS"
            )
        }
    }
}
