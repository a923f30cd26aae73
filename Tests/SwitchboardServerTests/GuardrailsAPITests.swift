import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// Portkey's `/v1/guardrails` through real HTTP, on every store kind: CRUD with versions, bad bodies named, and a
/// saved guardrail named from configs (inline and stored), its edits reaching requests at once.
@Suite struct GuardrailsAPITests {
    static let noCards =
        #"{"name":"No cards","checks":[{"id":"default.regexMatch","parameters":{"rule":"\\d{16}","not":true}}],"#
        + #""actions":{"deny":true,"async":false}}"#

    static func chat(_ fixture: GatewayFixture, _ content: String, config: String) async throws -> TestResponse {
        try await fixture.client.request(
            "/v1/chat/completions",
            headers: [("x-portkey-config", config)],
            body: #"{"model":"mock-1","messages":[{"role":"user","content":"\#(content)"}]}"#
        )
    }

    @Test(arguments: TestStores.available)
    func createUseUpdateVersionsDelete(kind: TestStores.Kind) async throws {
        try await GatewayFixture.with(storeKind: kind) { fixture in
            let created = try await fixture.client.request("/v1/guardrails", body: Self.noCards)
            #expect(created.status == 200, "\(created.text)")
            let slug = try #require(created.json["slug"] as? String)
            #expect(slug.hasPrefix("guard_no-cards-"))
            #expect(created.json["version_id"] is String)
            let id = try #require(created.json["id"] as? String)

            let list = try await fixture.client.request("/v1/guardrails", method: .GET)
            #expect((list.json["data"] as? [[String: Any]])?.map { $0["slug"] as? String } == [slug])
            #expect(list.json["total"] as? Int == 1)
            // By slug or by id, with its checks and actions.
            for key in [slug, id] {
                let got = try await fixture.client.request("/v1/guardrails/\(key)", method: .GET)
                #expect(got.status == 200)
                #expect((got.json["checks"] as? [[String: Any]])?.first?["id"] as? String == "default.regexMatch")
                #expect((got.json["actions"] as? [String: Any])?["deny"] as? Bool == true)
            }

            // Named from an inline config: it denies before the provider.
            let config = #"{"provider":"mock","input_guardrails":["\#(slug)"]}"#
            let denied = try await Self.chat(fixture, "card 4111111111111111", config: config)
            #expect(denied.status == 446, "\(denied.text)")
            let hook = ((denied.json["hook_results"] as? [String: Any])?["before_request_hooks"] as? [[String: Any]])?
                .first
            #expect(hook?["id"] as? String == slug)
            #expect(fixture.mock.recorder.requestCount == 0)
            // And from a stored config.
            let stored = try await fixture.client.request(
                "/v1/configs",
                body: #"{"name":"guarded","config":\#(config)}"#
            )
            #expect(stored.status == 200, "\(stored.text)")
            let configSlug = try #require(stored.json["slug"] as? String)
            #expect(try await Self.chat(fixture, "card 4111111111111111", config: configSlug).status == 446)

            // An edit (deny off) reaches requests at once, and is a new version.
            let updated = try await fixture.client.request(
                "/v1/guardrails/\(slug)",
                method: .PUT,
                body: #"{"actions":{"deny":false}}"#
            )
            #expect(updated.status == 200, "\(updated.text)")
            #expect(try await Self.chat(fixture, "card 4111111111111111", config: configSlug).status == 246)
            let versions = try await fixture.client.request("/v1/guardrails/\(slug)/versions", method: .GET)
            let items = try #require(versions.json["data"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect((items.first?["actions"] as? [String: Any])?["deny"] as? Bool == false)
            #expect((items.last?["actions"] as? [String: Any])?["deny"] as? Bool == true)
            #expect((items.first?["checks"] as? [Any])?.count == 1, "the checks stay as they were")

            let deleted = try await fixture.client.request("/v1/guardrails/\(slug)", method: .DELETE)
            #expect(deleted.status == 200)
            #expect(try await fixture.client.request("/v1/guardrails/\(slug)", method: .GET).status == 404)
            // A config naming a guardrail that is gone is a 400 naming where, and no upstream call.
            let orphan = try await Self.chat(fixture, "hi", config: config)
            #expect(orphan.status == 400)
            #expect(orphan.text.contains("input_guardrails[0]"), "\(orphan.text)")
            #expect(orphan.text.contains(slug))
        }
    }

    @Test func badBodiesAndReferencesAreNamed() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            let cases: [(String, String)] = [
                ("[]", "JSON object"),
                (#"{"checks":[],"actions":{}}"#, "'name'"),
                (#"{"name":"x","actions":{}}"#, "'checks'"),
                (#"{"name":"x","checks":[{"id":"default.wordCount"}]}"#, "'actions'"),
                (#"{"name":"x","checks":[{"id":"default.nope"}],"actions":{}}"#, "checks[0]"),
                (
                    #"{"name":"x","checks":[{"id":"default.regexMatch","parameters":{"rule":"("}}],"actions":{}}"#,
                    "checks[0]"
                ),
                (#"{"name":"x","checks":[{"id":"default.notNull"}],"actions":[]}"#, "'actions'"),
                (#"{"name":"x","slug":"nope","checks":[{"id":"default.notNull"}],"actions":{}}"#, "'slug'"),
            ]
            for (body, named) in cases {
                let response = try await fixture.client.request("/v1/guardrails", body: body)
                #expect(response.status == 400, "\(body): \(response.text)")
                #expect(response.text.contains(named), "\(body): \(response.text)")
            }
            #expect(try await fixture.client.request("/v1/guardrails/guard_none", method: .GET).status == 404)
            // A stored config may not name a guardrail that does not exist.
            let config = try await fixture.client.request(
                "/v1/configs",
                body: #"{"name":"c","config":{"provider":"mock","output_guardrails":["guard_none"]}}"#
            )
            #expect(config.status == 400)
            #expect(config.text.contains("output_guardrails[0]"), "\(config.text)")
        }
    }
}
