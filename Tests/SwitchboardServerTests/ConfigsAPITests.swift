import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// Portkey's `/v1/configs` through real HTTP, on every store kind, and configs used by slug right after.
@Suite struct ConfigsAPITests {
    static let yaml = """
        providers:
          mock:
            kind: mock
        default_route: {provider: mock}
        configs:
          shadowed: {provider: mock, override_params: {model: from-file}}
        """

    static let fallback =
        #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock","override_params":{"model":"a;status=503"}},{"provider":"mock","override_params":{"model":"b"}}]}"#

    static func withGateway<T: Sendable>(
        _ kind: TestStores.Kind,
        _ body: (GatewayFixture) async throws -> T
    ) async throws -> T {
        try await GatewayFixture.with(yaml: Self.yaml, storeKind: kind, body)
    }

    static func data(_ response: TestResponse) -> [String: Any] { response.json["data"] as? [String: Any] ?? [:] }

    @Test(arguments: TestStores.available)
    func createListGetUpdateDelete(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let created = try await fixture.client.request(
                "/v1/configs",
                body: #"{"name":"Resilient chat","config":\#(Self.fallback),"is_default":0,"workspace_id":"ws"}"#
            )
            #expect(created.status == 200, "\(created.text)")
            let slug = try #require(created.json["slug"] as? String)
            #expect(slug.hasPrefix("pc-resilient-chat-"))
            #expect(Self.data(created)["version_id"] as? String == created.json["version_id"] as? String)

            let list = try await fixture.client.request("/v1/configs", method: .GET)
            #expect((list.json["data"] as? [[String: Any]])?.map { $0["slug"] as? String } == [slug])

            let got = try await fixture.client.request("/v1/configs/\(slug)", method: .GET)
            #expect((Self.data(got)["config"] as? [String: Any])?["strategy"] != nil)

            // Used by slug at once.
            let routed = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", slug)],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(routed.status == 200)
            #expect(routed.header("x-portkey-last-used-option-index") == "config.targets[1]")

            let updated = try await fixture.client.request(
                "/v1/configs/\(slug)",
                method: .PUT,
                body: #"{"config":{"provider":"mock","override_params":{"model":"c"}}}"#
            )
            #expect(updated.status == 200)
            _ = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", slug)],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(fixture.mock.recorder.requests.last?.bodyString == #"{"model":"c","messages":[]}"#)

            let versions = try await fixture.client.request("/v1/configs/\(slug)/versions", method: .GET)
            let items = versions.json["data"] as? [[String: Any]] ?? []
            #expect(versions.json["total"] as? Int == 2)
            #expect(items.first?["config"] as? String == #"{"override_params":{"model":"c"},"provider":"mock"}"#)

            let deleted = try await fixture.client.request("/v1/configs/\(slug)", method: .DELETE)
            #expect(deleted.status == 200)
            let gone = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", slug)],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(gone.status == 400)
            #expect((gone.json["message"] as? String)?.contains("not found") == true)
        }
    }

    @Test func storedConfigsWinOverTheConfigFile() async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let created = try await fixture.client.request(
                "/v1/configs",
                body:
                    #"{"name":"s","slug":"shadowed","config":{"provider":"mock","override_params":{"model":"from-store"}}}"#
            )
            #expect(created.status == 200)
            _ = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", "shadowed")],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(fixture.mock.recorder.requests.last?.bodyString == #"{"model":"from-store","messages":[]}"#)
        }
    }

    @Test(arguments: [
        ("POST", "/v1/configs", "{not json", 400, "not valid JSON"),
        ("POST", "/v1/configs", "[1]", 400, "must be a JSON object"),
        ("POST", "/v1/configs", #"{"config":{"provider":"mock"}}"#, 400, "'name' is required"),
        ("POST", "/v1/configs", #"{"name":"n"}"#, 400, "'config' is required"),
        ("POST", "/v1/configs", #"{"name":"n","config":7}"#, 400, "must be a JSON object"),
        (
            "POST", "/v1/configs", #"{"name":"n","config":{"strategy":{"mode":"x"},"targets":[]}}"#, 400,
            "Invalid config"
        ),
        ("POST", "/v1/configs", #"{"name":"n","config":{"provider":"nowhere"}}"#, 400, "Unknown provider 'nowhere'"),
        ("POST", "/v1/configs", #"{"name":"n","slug":"Bad Slug","config":{"provider":"mock"}}"#, 400, "'slug'"),
        ("POST", "/v1/configs", #"{"name":"n","is_default":"yes","config":{"provider":"mock"}}"#, 400, "is_default"),
        ("GET", "/v1/configs/pc-none", "", 404, "not found"),
        ("PUT", "/v1/configs/pc-none", #"{"name":"n"}"#, 404, "not found"),
        ("PUT", "/v1/configs/pc-none", "{}", 400, "Nothing to update"),
        ("PUT", "/v1/configs/pc-none", #"{"status":"gone"}"#, 400, "'status'"),
        ("DELETE", "/v1/configs/pc-none", "", 404, "not found"),
        ("PATCH", "/v1/configs/pc-none", "{}", 405, "not allowed"),
        ("GET", "/v1/configs/a/b/c", "", 404, "No control-plane route"),
    ])
    func badRequestsGetClearErrors(
        method: String,
        path: String,
        body: String,
        status: Int,
        message: String
    ) async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let response = try await fixture.client.request(
                path,
                method: HTTPMethod(rawValue: method),
                body: body.isEmpty ? nil : body
            )
            #expect(response.status == status, "\(method) \(path) \(body): \(response.text)")
            #expect(response.json["success"] as? Bool == false)
            #expect((response.json["message"] as? String)?.contains(message) == true, "\(response.text)")
        }
    }

    @Test(arguments: TestStores.available)
    func aDuplicateSlugIsAConflict(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let body = #"{"name":"n","slug":"pc-dup","config":{"provider":"mock"}}"#
            let first = try await fixture.client.request("/v1/configs", body: body)
            let second = try await fixture.client.request("/v1/configs", body: body)
            #expect(first.status == 200)
            #expect(second.status == 409)
        }
    }

    /// Two gateways sharing one store: a change made through one is used by the other within 2 s.
    @Test(arguments: TestStores.available)
    func replicasSeeEachOthersChanges(kind: TestStores.Kind) async throws {
        let location = try await TestStores.location(kind, group: MultiThreadedEventLoopGroup.singleton)
        try await GatewayFixture.with(yaml: Self.yaml, store: location) { first in
            try await GatewayFixture.with(yaml: Self.yaml, store: location) { second in
                let created = try await first.client.request(
                    "/v1/configs",
                    body: #"{"name":"shared","slug":"pc-shared","config":{"provider":"mock"}}"#
                )
                #expect(created.status == 200)
                let start = ContinuousClock.now
                var status = 0
                while ContinuousClock.now - start < .seconds(2) {
                    status = try await second.client.request(
                        "/v1/chat/completions",
                        headers: [("x-portkey-config", "pc-shared")],
                        body: #"{"model":"x","messages":[]}"#
                    ).status
                    if status == 200 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(status == 200, "the second gateway did not see the config within 2 s")
            }
        }
    }
}
