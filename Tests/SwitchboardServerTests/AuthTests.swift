import Foundation
import Logging
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardStore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// Gateway API keys through real HTTP: open on loopback until a key exists, then keys with scopes.
@Suite struct AuthTests {
    static let yaml = """
        providers:
          mock:
            kind: mock
        default_route: {provider: mock}
        configs:
          pinned: {provider: mock, override_params: {model: pinned-model}}
        """

    static func withGateway<T: Sendable>(_ body: (GatewayFixture) async throws -> T) async throws -> T {
        let location = try await TestStores.location(.sqlite, group: MultiThreadedEventLoopGroup.singleton)
        return try await GatewayFixture.with(yaml: Self.yaml, store: location, body)
    }

    static func makeKey(
        _ fixture: GatewayFixture,
        scopes: String,
        extra: String = "",
        auth: String? = nil
    ) async throws
        -> (id: String, key: String)
    {
        let response = try await fixture.client.request(
            "/v1/api-keys/workspace/service",
            headers: auth.map { [("x-portkey-api-key", $0)] } ?? [],
            body: #"{"name":"k","scopes":\#(scopes)\#(extra)}"#
        )
        #expect(response.status == 200, "\(response.text)")
        return (response.json["id"] as? String ?? "", response.json["key"] as? String ?? "")
    }

    static func chat(_ fixture: GatewayFixture, _ headers: [(String, String)]) async throws -> TestResponse {
        try await fixture.client.request(
            "/v1/chat/completions",
            headers: headers,
            body: #"{"model":"mock/x","messages":[]}"#
        )
    }

    @Test func openOnLoopbackUntilAKeyExists() async throws {
        try await Self.withGateway { fixture in
            // Keys the SDKs always send are ignored while the gateway is open.
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", "pk-anything")]).status == 200)
            #expect(try await Self.chat(fixture, [("authorization", "Bearer sk-anything")]).status == 200)
            let admin = try await Self.makeKey(fixture, scopes: #"["admin"]"#)
            #expect(admin.key.hasPrefix("sb-"))

            let missing = try await Self.chat(fixture, [])
            #expect(missing.status == 401)
            let error = missing.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == "missing_api_key")
            #expect(try await Self.chat(fixture, [("authorization", "Bearer sb-wrong")]).status == 401)
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", admin.key)]).status == 200)
            // Operations endpoints stay open.
            #expect(try await fixture.client.request("/healthz", method: .GET).status == 200)
            #expect(try await fixture.client.request("/metrics", method: .GET).status == 200)
        }
    }

    @Test func scopesSeparateInferenceReadAndAdmin() async throws {
        try await Self.withGateway { fixture in
            let admin = try await Self.makeKey(fixture, scopes: #"["admin"]"#)
            let inference = try await Self.makeKey(fixture, scopes: #"["inference"]"#, auth: admin.key)
            let reader = try await Self.makeKey(fixture, scopes: #"["read"]"#, auth: admin.key)

            #expect(try await Self.chat(fixture, [("authorization", "Bearer \(inference.key)")]).status == 200)
            #expect(try await Self.chat(fixture, [("authorization", "Bearer \(reader.key)")]).status == 403)

            let list = { (key: String) in
                try await fixture.client.request("/v1/configs", method: .GET, headers: [("x-portkey-api-key", key)])
            }
            #expect(try await list(inference.key).status == 403)
            #expect(try await list(reader.key).status == 200)
            let write = try await fixture.client.request(
                "/v1/configs",
                headers: [("x-portkey-api-key", reader.key)],
                body: #"{"name":"n","config":{"provider":"mock"}}"#
            )
            #expect(write.status == 403)
            #expect(write.json["status"] as? String == "failure")
            let anonymous = try await fixture.client.request("/v1/configs", method: .GET)
            #expect(anonymous.status == 401)

            // An application renders prompts with its inference key; making them takes admin.
            let prompt = try await fixture.client.request(
                "/v1/prompts",
                headers: [("x-portkey-api-key", inference.key)],
                body: #"{"name":"p","slug":"p","string":"Hi {{who}}"}"#
            )
            #expect(prompt.status == 403)
            let made = try await fixture.client.request(
                "/v1/prompts",
                headers: [("x-portkey-api-key", admin.key)],
                body: #"{"name":"p","slug":"p","string":"Hi {{who}}"}"#
            )
            #expect(made.status == 200)
            let rendered = try await fixture.client.request(
                "/v1/prompts/p/render",
                headers: [("x-portkey-api-key", inference.key)],
                body: #"{"variables":{"who":"Ada"}}"#
            )
            #expect(rendered.status == 200, "\(rendered.text)")

            // Listings never show a key.
            let keys = try await fixture.client.request(
                "/v1/api-keys",
                method: .GET,
                headers: [("x-portkey-api-key", admin.key)]
            )
            #expect(keys.json["total"] as? Int == 3)
            #expect(!keys.text.contains(admin.key))
            #expect(keys.text.contains("sb-…" + admin.key.suffix(4)))
        }
    }

    @Test func theGatewayKeyIsNotForwardedButProviderKeysAre() async throws {
        try await Self.withGateway { fixture in
            let key = try await Self.makeKey(fixture, scopes: #"["inference"]"#)
            _ = try await Self.chat(fixture, [("authorization", "Bearer \(key.key)")])
            #expect(fixture.mock.recorder.requests.last?.header("authorization") == nil)
            _ = try await Self.chat(fixture, [("x-portkey-api-key", key.key), ("authorization", "Bearer sk-provider")])
            #expect(fixture.mock.recorder.requests.last?.header("authorization") == "Bearer sk-provider")
        }
    }

    @Test func aKeysDefaultConfigRoutesItsRequests() async throws {
        try await Self.withGateway { fixture in
            let key = try await Self.makeKey(
                fixture,
                scopes: #"["inference"]"#,
                extra: #","defaults":{"config_id":"pinned"}"#
            )
            _ = try await Self.chat(fixture, [("x-portkey-api-key", key.key)])
            #expect(fixture.mock.recorder.requests.last?.bodyString == #"{"model":"pinned-model","messages":[]}"#)
            let badDefault = try await fixture.client.request(
                "/v1/api-keys",
                headers: [("x-portkey-api-key", key.key)],
                body: #"{"name":"x","scopes":["inference"]}"#
            )
            #expect(badDefault.status == 403)
        }
    }

    @Test func aKeysDefaultMetadataRoutesUnderTheRequestsOwn() async throws {
        try await Self.withGateway { fixture in
            let key = try await Self.makeKey(
                fixture,
                scopes: #"["inference"]"#,
                extra: #","defaults":{"metadata":{"team":"blue","tier":"free"}}"#
            )
            let config = [
                #"{"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.team":{"$eq":"blue"}},"then":"blue"}],"#,
                #""default":"other"},"targets":[{"name":"blue","provider":"mock","override_params":{"model":"blue"}},"#,
                #"{"name":"other","provider":"mock","override_params":{"model":"other"}}]}"#,
            ].joined()
            func routedModel(_ headers: [(String, String)]) async throws -> String? {
                let response = try await Self.chat(
                    fixture,
                    [("x-portkey-api-key", key.key), ("x-portkey-config", config)] + headers
                )
                #expect(response.status == 200, "\(response.text)")
                return fixture.mock.recorder.requests.last.map { $0.bodyString }
            }
            #expect(try await routedModel([]) == #"{"model":"blue","messages":[]}"#)
            #expect(
                try await routedModel([("x-portkey-metadata", #"{"team":"red"}"#)])
                    == #"{"model":"other","messages":[]}"#
            )
            #expect(
                try await routedModel([("x-portkey-metadata", #"{"user":"u1"}"#)]) == #"{"model":"blue","messages":[]}"#
            )
        }
    }

    @Test func archivedAndDeletedKeysStopWorking() async throws {
        try await Self.withGateway { fixture in
            let admin = try await Self.makeKey(fixture, scopes: #"["admin"]"#)
            let other = try await Self.makeKey(fixture, scopes: #"["inference"]"#, auth: admin.key)
            let auth = [("x-portkey-api-key", admin.key)]
            let archived = try await fixture.client.request(
                "/v1/api-keys/\(other.id)",
                method: .PUT,
                headers: auth,
                body: #"{"status":"archived"}"#
            )
            #expect(archived.status == 200)
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", other.key)]).status == 401)
            let deleted = try await fixture.client.request("/v1/api-keys/\(other.id)", method: .DELETE, headers: auth)
            #expect(deleted.status == 200)
            let again = try await fixture.client.request("/v1/api-keys/\(other.id)", method: .GET, headers: auth)
            #expect(again.status == 404)
        }
    }

    @Test func rotationIssuesANewKeyAndEndsTheOldOneAfterItsTransition() async throws {
        try await Self.withGateway { fixture in
            let admin = try await Self.makeKey(fixture, scopes: #"["admin"]"#)
            let auth = [("x-portkey-api-key", admin.key)]
            let first = try await fixture.client.request(
                "/v1/api-keys/\(admin.id)/rotate",
                headers: auth,
                body: #"{"key_transition_period_ms":60000}"#
            )
            #expect(first.status == 200, "\(first.text)")
            let second = try #require(first.json["key"] as? String)
            #expect(second != admin.key && second.hasPrefix("sb-"))
            #expect((first.json["key_transition_expires_at"] as? String ?? "") > Timestamps.now())
            // Both work during the transition.
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", admin.key)]).status == 200)
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", second)]).status == 200)
            let listed = try await fixture.client.request(
                "/v1/api-keys/\(admin.id)",
                method: .GET,
                headers: [("x-portkey-api-key", second)]
            )
            #expect(listed.json["key"] as? String == "sb-…" + second.suffix(4))

            // Without a transition the replaced key stops at once (and so does the one before it).
            let again = try await fixture.client.request(
                "/v1/api-keys/\(admin.id)/rotate",
                headers: [("x-portkey-api-key", second)],
                body: ""
            )
            #expect(again.status == 200, "\(again.text)")
            let third = try #require(again.json["key"] as? String)
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", second)]).status == 401)
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", admin.key)]).status == 401)
            #expect(try await Self.chat(fixture, [("x-portkey-api-key", third)]).status == 200)

            let bad = try await fixture.client.request(
                "/v1/api-keys/\(admin.id)/rotate",
                headers: [("x-portkey-api-key", third)],
                body: #"{"key_transition_period_ms":-5}"#
            )
            #expect(bad.status == 400)
            #expect(bad.text.contains("key_transition_period_ms"))
            let missing = try await fixture.client.request(
                "/v1/api-keys/nope/rotate",
                headers: [("x-portkey-api-key", third)],
                body: "{}"
            )
            #expect(missing.status == 404)
        }
    }

    @Test(arguments: [
        (#"{"scopes":["admin"]}"#, "'name' is required"), (#"{"name":"n"}"#, "'scopes' is required"),
        (#"{"name":"n","scopes":["root"]}"#, "Unknown scope 'root'"), (#"{"name":"n","scopes":[]}"#, "non-empty"),
        (#"{"name":"n","scopes":["admin"],"defaults":{"config_id":"nope"}}"#, "config 'nope' not found"),
        (#"{"name":"n","scopes":["admin"],"defaults":[1]}"#, "'defaults' must be an object"),
        (#"{"name":"n","scopes":["admin"],"rotation_policy":{}}"#, "'rotation_policy' is not a field"),
    ])
    func badKeyRequestsGetClearErrors(body: String, message: String) async throws {
        try await Self.withGateway { fixture in
            let response = try await fixture.client.request("/v1/api-keys/workspace/service", body: body)
            #expect(response.status == 400)
            #expect((response.json["message"] as? String)?.contains(message) == true, "\(response.text)")
        }
    }

    @Test func theAdminKeyFromTheEnvironmentHasEveryScope() async throws {
        let location = try await TestStores.location(.sqlite, group: MultiThreadedEventLoopGroup.singleton)
        try await GatewayFixture.with(yaml: Self.yaml, store: location, adminKey: "sb-env-admin") { fixture in
            _ = try await Self.makeKey(fixture, scopes: #"["read"]"#)
            #expect(try await Self.chat(fixture, [("authorization", "Bearer sb-env-admin")]).status == 200)
            let write = try await fixture.client.request(
                "/v1/configs",
                headers: [("x-portkey-api-key", "sb-env-admin")],
                body: #"{"name":"n","config":{"provider":"mock"}}"#
            )
            #expect(write.status == 200)
            #expect(try await Self.chat(fixture, [("authorization", "Bearer sb-env-admin2")]).status == 401)
        }
    }

    @Test func listeningBeyondLoopbackNeedsKeysFromTheStart() {
        var config = GatewayConfig()
        config.server.host = "0.0.0.0"
        #expect(GatewayRuntime(config: config, logger: Logger(label: "t")).requiresKeys)
        config.server.host = "127.0.0.1"
        #expect(!GatewayRuntime(config: config, logger: Logger(label: "t")).requiresKeys)
    }

    /// Portkey's scope names are honoured at the gateway's granularity (issue 19).
    @Test func portkeyScopeNamesGrantTheirLocalScope() async throws {
        try await Self.withGateway { fixture in
            let admin = try await fixture.client.request(
                "/v1/api-keys/workspace/service",
                body: #"{"name":"a","scopes":["admin"]}"#
            )
            let adminKey = try #require(admin.json["key"] as? String)
            let made = try await fixture.client.request(
                "/v1/api-keys/workspace/service",
                headers: [("x-portkey-api-key", adminKey)],
                body: #"{"name":"reader","scopes":["logs.view","configs.list","completions.write"]}"#
            )
            #expect(made.status == 200, "\(made.text)")
            let key = try #require(made.json["key"] as? String)
            let read = try await fixture.client.request(
                "/v1/configs",
                method: .GET,
                headers: [("x-portkey-api-key", key)]
            )
            #expect(read.status == 200, "\(read.text)")
            let write = try await fixture.client.request(
                "/v1/configs",
                headers: [("x-portkey-api-key", key)],
                body: #"{"name":"c","config":{"provider":"mock"}}"#
            )
            #expect(write.status == 403, "\(write.text)")
            let listed = try await fixture.client.request(
                "/v1/api-keys",
                method: .GET,
                headers: [("x-portkey-api-key", key)]
            )
            #expect(listed.text.contains("logs.view"), "the scopes are kept as sent")
        }
    }
}
