import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// Portkey's `/v1/virtual-keys`, `/v1/providers` and `/v1/integrations` through real HTTP on every store kind,
/// and stored credentials used at once by `x-portkey-virtual-key`, `@slug/MODEL`, `x-portkey-provider: @slug`
/// and a config's `virtual_key`. The mock records the key each request carried upstream.
@Suite struct CredentialsAPITests {
    static let yaml = """
        providers:
          mock:
            kind: mock
        default_route: {provider: mock}
        """
    static let secret = "sk-live-0123456789abcdefXYZ"

    static func withGateway<T: Sendable>(
        _ kind: TestStores.Kind,
        _ body: (GatewayFixture, String) async throws -> T
    ) async throws -> T {
        let location = try await TestStores.location(kind, group: MultiThreadedEventLoopGroup.singleton)
        return try await GatewayFixture.with(yaml: Self.yaml, store: location) { try await body($0, location) }
    }

    static func mockURL(_ fixture: GatewayFixture) -> String { "http://127.0.0.1:\(fixture.mock.port!)/v1" }

    static func chat(
        _ fixture: GatewayFixture,
        headers: [(String, String)] = [],
        model: String = "gpt-x"
    ) async throws -> TestResponse {
        try await fixture.client.request(
            "/v1/chat/completions",
            headers: headers,
            body: #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"#
        )
    }

    static func lastUpstream(_ fixture: GatewayFixture) -> (authorization: String?, model: String?) {
        let request = fixture.mock.recorder.requests.last
        let body = request.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) } as? [String: Any]
        return (request?.header("authorization"), body?["model"] as? String)
    }

    @Test(arguments: TestStores.available)
    func virtualKeysCarryTheirSecretWhereverTheyAreNamed(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture, _ in
            let created = try await fixture.client.request(
                "/v1/virtual-keys",
                body: #"""
                    {"name":"Team OpenAI","provider":"openai","key":"\#(Self.secret)","note":"prod",
                     "custom_host":"\#(Self.mockURL(fixture))","rate_limits":[{"type":"requests","unit":"rpm","value":60}]}
                    """#
            )
            #expect(created.status == 200, "\(created.text)")
            let slug = try #require((created.json["data"] as? [String: Any])?["slug"] as? String)
            #expect(slug.hasPrefix("team-openai-"))

            for listing in ["/v1/virtual-keys", "/v1/virtual-keys/\(slug)", "/v1/providers", "/v1/providers/\(slug)"] {
                let response = try await fixture.client.request(listing, method: .GET)
                #expect(response.status == 200, "\(listing): \(response.text)")
                #expect(!response.text.contains("0123456789"), "\(listing) shows the secret")
            }
            let list = try await fixture.client.request("/v1/virtual-keys?current_page=0&page_size=10", method: .GET)
            #expect(list.json["total"] as? Int == 1)
            let item = try #require((list.json["data"] as? [[String: Any]])?.first)
            #expect(item["object"] as? String == "virtual-key")
            #expect(item["note"] as? String == "prod")
            #expect((item["rate_limits"] as? [[String: Any]])?.first?["value"] as? Int == 60)

            let byHeader = try await Self.chat(fixture, headers: [("x-portkey-virtual-key", slug)])
            #expect(byHeader.status == 200, "\(byHeader.text)")
            #expect(Self.lastUpstream(fixture).authorization == "Bearer \(Self.secret)")
            #expect(Self.lastUpstream(fixture).model == "gpt-x")

            let byModel = try await Self.chat(fixture, model: "@\(slug)/gpt-catalog")
            #expect(byModel.status == 200, "\(byModel.text)")
            #expect(Self.lastUpstream(fixture).model == "gpt-catalog")
            #expect(Self.lastUpstream(fixture).authorization == "Bearer \(Self.secret)")

            let byProvider = try await Self.chat(fixture, headers: [("x-portkey-provider", "@\(slug)")])
            #expect(byProvider.status == 200, "\(byProvider.text)")
            #expect(Self.lastUpstream(fixture).authorization == "Bearer \(Self.secret)")

            let byConfig = try await Self.chat(
                fixture,
                headers: [("x-portkey-config", #"{"virtual_key":"\#(slug)","override_params":{"model":"cfg"}}"#)]
            )
            #expect(byConfig.status == 200, "\(byConfig.text)")
            #expect(Self.lastUpstream(fixture).model == "cfg")
            #expect(Self.lastUpstream(fixture).authorization == "Bearer \(Self.secret)")

            // A client's own key does not replace the stored one.
            _ = try await Self.chat(
                fixture,
                headers: [("x-portkey-virtual-key", slug), ("authorization", "Bearer mine")]
            )
            #expect(Self.lastUpstream(fixture).authorization == "Bearer \(Self.secret)")

            // A new secret is used from the next request on.
            let rotated = try await fixture.client.request(
                "/v1/virtual-keys/\(slug)",
                method: .PUT,
                body: #"{"key":"sk-rotated-secret-000000000","note":"rotated"}"#
            )
            #expect(rotated.status == 200, "\(rotated.text)")
            #expect(rotated.json["note"] as? String == "rotated")
            _ = try await Self.chat(fixture, headers: [("x-portkey-virtual-key", slug)])
            #expect(Self.lastUpstream(fixture).authorization == "Bearer sk-rotated-secret-000000000")

            let archived = try await fixture.client.request(
                "/v1/virtual-keys/\(slug)",
                method: .PUT,
                body: #"{"status":"archived"}"#
            )
            #expect(archived.status == 200)
            let refused = try await Self.chat(fixture, headers: [("x-portkey-virtual-key", slug)])
            #expect(refused.status == 400)
            #expect(refused.text.contains("it is archived"))

            let deleted = try await fixture.client.request("/v1/virtual-keys/\(slug)", method: .DELETE)
            #expect(deleted.status == 200)
            let gone = try await Self.chat(fixture, headers: [("x-portkey-virtual-key", slug)])
            #expect(gone.status == 400)
            #expect(gone.text.contains("'\(slug)'"))
        }
    }

    @Test(arguments: TestStores.available)
    func providersDrawOnTheirIntegration(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture, _ in
            let integration = try await fixture.client.request(
                "/v1/integrations",
                body: #"""
                    {"name":"Local LLM","slug":"local-llm","ai_provider_id":"openai","key":"\#(Self.secret)",
                     "configurations":{"custom_host":"\#(Self.mockURL(fixture))"},
                     "create_default_provider":true,"default_provider_slug":"local"}
                    """#
            )
            #expect(integration.status == 200, "\(integration.text)")
            #expect(integration.json["slug"] as? String == "local-llm")
            let got = try await fixture.client.request("/v1/integrations/local-llm", method: .GET)
            #expect(got.json["masked_key"] as? String == "sk-l********fXYZ")
            #expect(got.json["ai_provider_id"] as? String == "openai")

            let provider = try await fixture.client.request(
                "/v1/providers",
                body: #"{"name":"Team B","integration_id":"local-llm","slug":"team-b","note":"b"}"#
            )
            #expect(provider.status == 200, "\(provider.text)")
            let providers = try await fixture.client.request("/v1/providers", method: .GET)
            #expect(
                (providers.json["data"] as? [[String: Any]])?.compactMap { $0["slug"] as? String } == [
                    "local", "team-b",
                ]
            )
            #expect((providers.json["data"] as? [[String: Any]])?.last?["integration_id"] as? String == "local-llm")

            for model in ["@team-b/llama-3", "@local/llama-3", "@local-llm/llama-3"] {
                let response = try await Self.chat(fixture, model: model)
                #expect(response.status == 200, "\(model): \(response.text)")
                #expect(Self.lastUpstream(fixture).model == "llama-3")
                #expect(Self.lastUpstream(fixture).authorization == "Bearer \(Self.secret)")
            }

            // A new integration key reaches every provider drawing on it.
            _ = try await fixture.client.request(
                "/v1/integrations/local-llm",
                method: .PUT,
                body: #"{"key":"sk-new-integration-key-0000"}"#
            )
            _ = try await Self.chat(fixture, model: "@team-b/llama-3")
            #expect(Self.lastUpstream(fixture).authorization == "Bearer sk-new-integration-key-0000")

            let inUse = try await fixture.client.request("/v1/integrations/local-llm", method: .DELETE)
            #expect(inUse.status == 409)
            #expect(inUse.text.contains("'local', 'team-b'"))
            for slug in ["local", "team-b"] {
                #expect(try await fixture.client.request("/v1/providers/\(slug)", method: .DELETE).status == 200)
            }
            #expect(try await fixture.client.request("/v1/integrations/local-llm", method: .DELETE).status == 200)
            #expect(try await fixture.client.request("/v1/integrations", method: .GET).json["total"] as? Int == 0)
        }
    }

    @Test(arguments: TestStores.available)
    func secretsAreSealedAtRestAndNeedTheSameMasterKey(kind: TestStores.Kind) async throws {
        let location = try await TestStores.location(kind, group: MultiThreadedEventLoopGroup.singleton)
        try await GatewayFixture.with(yaml: Self.yaml, store: location) { fixture in
            let created = try await fixture.client.request(
                "/v1/virtual-keys",
                body: #"{"name":"vk","slug":"vk","provider":"mock","key":"\#(Self.secret)"}"#
            )
            #expect(created.status == 200, "\(created.text)")
            let stored = try #require(try await fixture.store!.credential(slug: "vk", kinds: [.virtualKey]))
            #expect(stored.sealedSecret?.hasPrefix("v1:") == true)
            #expect(stored.sealedSecret?.contains("0123456789") == false)
            #expect(!stored.details.contains("0123456789"))
        }
        // Each fixture makes its own master key: the secret sealed by the first does not open here.
        try await GatewayFixture.with(yaml: Self.yaml, store: location) { fixture in
            let response = try await Self.chat(fixture, headers: [("x-portkey-virtual-key", "vk")])
            #expect(response.status == 500)
            #expect(response.text.contains("master key"))
        }
    }

    @Test(arguments: [
        ("/v1/virtual-keys", #"{"provider":"openai","key":"k"}"#, "'name' is required"),
        ("/v1/virtual-keys", #"{"name":"a","key":"k"}"#, "'provider' is required"),
        ("/v1/virtual-keys", #"{"name":"a","provider":"nope","key":"k"}"#, "unknown provider 'nope'"),
        ("/v1/virtual-keys", #"{"name":"a","provider":"openai","key":7}"#, "'key' must be a string"),
        ("/v1/virtual-keys", #"{"name":"a","provider":"openai","custom_host":"ftp://x"}"#, "'custom_host' must be"),
        ("/v1/virtual-keys", #"{"name":"a","provider":"openai","slug":"Bad Slug"}"#, "'slug' must use"),
        ("/v1/virtual-keys", #"{"name":"a","provider":"openai","rate_limits":[{"type":"x"}]}"#, "'rate_limits[0]'"),
        ("/v1/virtual-keys", #"{"name":"a","provider":"openai","usage_limits":3}"#, "'usage_limits' must be"),
        ("/v1/virtual-keys", #"{"name":"#, "not valid JSON"),
        ("/v1/virtual-keys", #"[1]"#, "must be a JSON object"),
        ("/v1/providers", #"{"name":"a"}"#, "'integration_id' is required"),
        ("/v1/providers", #"{"name":"a","integration_id":"none"}"#, "integration 'none' not found"),
        ("/v1/providers", #"{"name":"a","integration_id":"x","custom_host":"http://h"}"#, "belongs to the integration"),
        ("/v1/integrations", #"{"name":"a"}"#, "'ai_provider_id' is required"),
        ("/v1/integrations", #"{"name":"a","ai_provider_id":"openai","configurations":[]}"#, "'configurations' must"),
    ])
    func badInputGetsAClearError(path: String, body: String, message: String) async throws {
        try await Self.withGateway(.sqlite) { fixture, _ in
            if path == "/v1/providers" {
                _ = try await fixture.client.request(
                    "/v1/integrations",
                    body: #"{"name":"x","slug":"x","ai_provider_id":"openai"}"#
                )
            }
            let response = try await fixture.client.request(path, body: body)
            #expect(response.status == 400, "\(response.text)")
            #expect(response.json["message"] as? String ?? "" != "")
            #expect(response.text.contains(message), "\(response.text)")
        }
    }

    @Test func slugsConflictOnlyWithinTheirNamespace() async throws {
        try await Self.withGateway(.sqlite) { fixture, _ in
            func post(_ path: String, _ body: String) async throws -> Int {
                try await fixture.client.request(path, body: body).status
            }
            #expect(try await post("/v1/integrations", #"{"name":"a","slug":"same","ai_provider_id":"openai"}"#) == 200)
            #expect(try await post("/v1/providers", #"{"name":"a","slug":"same","integration_id":"same"}"#) == 200)
            let taken = try await fixture.client.request(
                "/v1/virtual-keys",
                body: #"{"name":"a","slug":"same","provider":"openai"}"#
            )
            #expect(taken.status == 409)
            #expect(taken.text.contains("'same' is taken"))
            for (path, status) in [
                ("/v1/virtual-keys/none", 404), ("/v1/providers?page_size=abc", 400), ("/v1/integrations/a/b/c", 404),
            ] {
                #expect(try await fixture.client.request(path, method: .GET).status == status, "\(path)")
            }
            let patch = try await fixture.client.request("/v1/providers/same", method: .PATCH, body: "{}")
            #expect(patch.status == 405)
            let pageTwo = try await fixture.client.request("/v1/providers?current_page=1&page_size=1", method: .GET)
            #expect((pageTwo.json["data"] as? [Any])?.count == 0)
            #expect(pageTwo.json["total"] as? Int == 1)
        }
    }

    @Test func configsNamingUnknownCredentialsAreRefused() async throws {
        try await Self.withGateway(.sqlite) { fixture, _ in
            let response = try await fixture.client.request(
                "/v1/configs",
                body:
                    #"{"name":"c","config":{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"nope"},{"provider":"@ghost"}]}}"#
            )
            #expect(response.status == 400)
            #expect(response.text.contains("'nope'") && response.text.contains("'ghost'"))
            _ = try await fixture.client.request(
                "/v1/virtual-keys",
                body: #"{"name":"nope","slug":"nope","provider":"mock","key":"k"}"#
            )
            let accepted = try await fixture.client.request(
                "/v1/configs",
                body: #"{"name":"c","config":{"virtual_key":"nope"}}"#
            )
            #expect(accepted.status == 200, "\(accepted.text)")
        }
    }

    /// What schemathesis found against the seeds' schemas (issue 19): a GET-then-PUT round trip, `rate_limits` as
    /// the request schema's object, typed limits and mappings, and the view's `object` name.
    @Test func theSchemasShapesRoundTrip() async throws {
        try await Self.withGateway(.sqlite) { fixture, _ in
            let created = try await fixture.client.request(
                "/v1/virtual-keys",
                body:
                    #"{"name":"vk","provider":"openai","key":"k","rate_limits":{"type":"tokens","unit":"rph","value":9}}"#
            )
            #expect(created.status == 200, "\(created.text)")
            let slug = try #require(created.json["slug"] as? String)
            let got = try await fixture.client.request("/v1/virtual-keys/\(slug)", method: .GET)
            #expect((got.json["rate_limits"] as? [[String: Any]])?.first?["unit"] as? String == "rph")
            // `note` is nullable in the schema; `expires_at` is not, so it is left out when there is none.
            #expect(got.json["note"] is NSNull && got.json["expires_at"] == nil)
            // Everything GET shows goes back unchanged.
            let put = try await fixture.client.request("/v1/virtual-keys/\(slug)", method: .PUT, body: got.text)
            #expect(put.status == 200, "\(put.text)")
            let asProvider = try await fixture.client.request("/v1/providers/\(slug)", method: .GET)
            #expect(asProvider.json["object"] as? String == "provider")
            let limited = try await fixture.client.request(
                "/v1/virtual-keys/\(slug)",
                method: .PUT,
                body:
                    #"{"usage_limits":{"credit_limit":10,"type":"cost","periodic_reset":"monthly"},"expires_at":"2027-01-01T00:00:00.5+01:00","secret_mappings":[{"target_field":"key","secret_reference_id":"s"}]}"#
            )
            #expect(limited.status == 200, "\(limited.text)")
            #expect((limited.json["usage_limits"] as? [String: Any])?["credit_limit"] as? Int == 10)
        }
    }

    @Test(arguments: [
        (#"{"usage_limits":{"credit_limit":0}}"#, "'usage_limits.credit_limit' must be an integer ≥ 1"),
        (#"{"usage_limits":{"type":"dollars"}}"#, "'usage_limits.type' must be"),
        (#"{"usage_limits":{"periodic_reset":"daily"}}"#, "'usage_limits.periodic_reset' must be"),
        (#"{"rate_limits":{"type":"requests","unit":"rps","value":1}}"#, "'rate_limits' must be"),
        (#"{"secret_mappings":[{"target_field":"key"}]}"#, "'secret_mappings[0].secret_reference_id' is required"),
        (
            #"{"secret_mappings":[{"target_field":"nope","secret_reference_id":"s"}]}"#,
            "'secret_mappings[0].target_field'"
        ),
        (#"{"expires_at":"tomorrow"}"#, "'expires_at' must be an RFC 3339 date-time"),
        (#"{"model_config":[1]}"#, "'model_config' must be an object"),
        (#"{"deploymentConfig":[{"is_default":null}]}"#, "'deploymentConfig' is not a field Switchboard takes"),
    ])
    func malformedLimitsAndMappingsAreRefused(body: String, message: String) async throws {
        try await Self.withGateway(.sqlite) { fixture, _ in
            let created = try await fixture.client.request(
                "/v1/virtual-keys",
                body: #"{"name":"vk","provider":"openai"}"#
            )
            let slug = try #require(created.json["slug"] as? String)
            let response = try await fixture.client.request("/v1/virtual-keys/\(slug)", method: .PUT, body: body)
            #expect(response.status == 400, "\(response.text)")
            #expect((response.json["message"] as? String)?.contains(message) == true, "\(response.text)")
        }
    }
}
