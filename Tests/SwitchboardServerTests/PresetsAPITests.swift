import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// OpenRouter's presets API under `/api/v1/presets` on every store kind, and presets applied at inference:
/// the mock shows the merged body it received.
@Suite struct PresetsAPITests {
    static let yaml = """
        providers:
          mock:
            kind: mock
            models: [mock-1, mock-2]
        default_route: {provider: mock}
        """

    static func withGateway<T: Sendable>(
        _ kind: TestStores.Kind,
        _ body: (GatewayFixture) async throws -> T
    ) async throws -> T {
        try await GatewayFixture.with(yaml: Self.yaml, storeKind: kind, body)
    }

    static func upstreamBody(_ fixture: GatewayFixture) -> [String: Any] {
        let body = fixture.mock.recorder.requests.last.map(\.body) ?? []
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    static let chatBody = #"""
        {"model":"mock/mock-1","temperature":0.3,"max_tokens":64,"stream":true,"user":"u1",
         "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}],
         "tools":[{"type":"function","function":{"name":"lookup","parameters":{}}},{"type":"openrouter:web_search"}]}
        """#

    @Test(arguments: TestStores.available)
    func createVersionsAndRead(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let first = try await fixture.client.request("/api/v1/presets/writer/chat/completions", body: Self.chatBody)
            #expect(first.status == 200, "\(first.text)")
            let data = try #require(first.json["data"] as? [String: Any])
            #expect(data["slug"] as? String == "writer" && data["name"] as? String == "writer")
            let version = try #require(data["designated_version"] as? [String: Any])
            #expect(version["version"] as? Int == 1)
            #expect(version["system_prompt"] as? String == "Be brief.")
            let config = try #require(version["config"] as? [String: Any])
            #expect(Set(config.keys) == ["model", "temperature", "max_tokens", "tools"])
            #expect(data["designated_version_id"] as? String == version["id"] as? String)

            let second = try await fixture.client.request(
                "/api/v1/presets/writer/messages",
                body:
                    #"{"model":"mock/mock-2","max_tokens":10,"system":[{"type":"text","text":"A"},{"type":"text","text":"B"}],"messages":[]}"#
            )
            #expect(second.status == 200, "\(second.text)")
            let designated = (second.json["data"] as? [String: Any])?["designated_version"] as? [String: Any]
            #expect(designated?["version"] as? Int == 2)
            #expect(designated?["system_prompt"] as? String == "A\n\nB")

            let third = try await fixture.client.request(
                "/api/v1/presets/other/responses",
                body: #"{"model":"mock/mock-1","instructions":"Answer in French.","input":"hi"}"#
            )
            #expect(third.status == 200)

            let list = try await fixture.client.request("/api/v1/presets?limit=1", method: .GET)
            #expect(list.json["total_count"] as? Int == 2)
            let items = list.json["data"] as? [[String: Any]] ?? []
            #expect(items.map { $0["slug"] as? String } == ["other"], "most recently updated first")
            #expect(items.first?["designated_version"] == nil)
            let next = try await fixture.client.request("/api/v1/presets?offset=1&limit=1", method: .GET)
            #expect((next.json["data"] as? [[String: Any]])?.first?["slug"] as? String == "writer")

            let got = try await fixture.client.request("/api/v1/presets/writer", method: .GET)
            #expect(
                ((got.json["data"] as? [String: Any])?["designated_version"] as? [String: Any])?["version"] as? Int == 2
            )
            let versions = try await fixture.client.request("/api/v1/presets/writer/versions", method: .GET)
            #expect((versions.json["data"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [1, 2])
            let one = try await fixture.client.request("/api/v1/presets/writer/versions/1", method: .GET)
            #expect((one.json["data"] as? [String: Any])?["system_prompt"] as? String == "Be brief.")
        }
    }

    @Test(arguments: TestStores.available)
    func concurrentCreatesLoseNoVersion(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await fixture.client.request(
                            "/api/v1/presets/busy/chat/completions",
                            body:
                                #"{"model":"mock/mock-1","seed":\#(index),"messages":[{"role":"user","content":"hi"}]}"#
                        ).status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            let versions = try await fixture.client.request("/api/v1/presets/busy/versions?limit=100", method: .GET)
            let items = versions.json["data"] as? [[String: Any]] ?? []
            #expect(items.compactMap { $0["version"] as? Int } == Array(1...12))
            let seeds = Set(items.compactMap { ($0["config"] as? [String: Any])?["seed"] as? Int })
            #expect(seeds == Set(0..<12))
        }
    }

    @Test(arguments: TestStores.available)
    func presetsApplyAtInferenceUnderTheRequest(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let created = try await fixture.client.request(
                "/api/v1/presets/writer/chat/completions",
                body: Self.chatBody
            )
            #expect(created.status == 200)

            // Form 1: the preset gives the model, parameters, tools and system prompt.
            let plain = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"@preset/writer","messages":[{"role":"user","content":"hello"}]}"#
            )
            #expect(plain.status == 200, "\(plain.text)")
            var sent = Self.upstreamBody(fixture)
            #expect(sent["model"] as? String == "mock-1")
            #expect(sent["temperature"] as? Double == 0.3 && sent["max_tokens"] as? Int == 64)
            #expect(sent["stream"] == nil && sent["user"] == nil, "transient fields were not kept")
            let messages = sent["messages"] as? [[String: Any]] ?? []
            #expect(
                messages.first?["role"] as? String == "system" && messages.first?["content"] as? String == "Be brief."
            )
            #expect(messages.count == 2)

            // Form 2: `preset` field; the request's model and parameters win; tools are unioned.
            let field = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"""
                    {"model":"mock/mock-2","preset":"writer","temperature":0.9,
                     "messages":[{"role":"developer","content":"Mine."},{"role":"user","content":"x"}],
                     "tools":[{"type":"function","function":{"name":"lookup","description":"mine"}},
                              {"type":"function","function":{"name":"extra"}}]}
                    """#
            )
            #expect(field.status == 200, "\(field.text)")
            sent = Self.upstreamBody(fixture)
            #expect(sent["model"] as? String == "mock-2" && sent["temperature"] as? Double == 0.9)
            #expect(sent["max_tokens"] as? Int == 64)
            #expect(sent["preset"] == nil, "the preset field is not sent upstream")
            #expect((sent["messages"] as? [[String: Any]])?.count == 2, "the request's own system prompt wins")
            let tools = sent["tools"] as? [[String: Any]] ?? []
            let names = tools.map { ($0["function"] as? [String: Any])?["name"] as? String ?? $0["type"] as? String }
            #expect(names == ["lookup", "openrouter:web_search", "extra"])
            #expect((tools.first?["function"] as? [String: Any])?["description"] as? String == "mine")

            // Form 3: MODEL@preset/SLUG.
            let combined = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"mock/mock-2@preset/writer","messages":[]}"#
            )
            #expect(combined.status == 200, "\(combined.text)")
            #expect(Self.upstreamBody(fixture)["model"] as? String == "mock-2")

            // Messages and responses skins.
            _ = try await fixture.client.request(
                "/v1/messages",
                body: #"{"model":"@preset/writer","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
            )
            sent = Self.upstreamBody(fixture)
            #expect(sent["system"] as? String == "Be brief." && sent["max_tokens"] as? Int == 5)
            _ = try await fixture.client.request("/v1/responses", body: #"{"model":"@preset/writer","input":"hi"}"#)
            #expect(Self.upstreamBody(fixture)["instructions"] as? String == "Be brief.")

            let unknown = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"@preset/nope","messages":[]}"#
            )
            #expect(unknown.status == 404)
            #expect(((unknown.json["error"] as? [String: Any])?["message"] as? String)?.contains("'nope'") == true)
        }
    }

    @Test func presetModelsAndProviderFeedTheRoutingEngine() async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let created = try await fixture.client.request(
                "/api/v1/presets/resilient/chat/completions",
                body:
                    #"{"models":["mock/mock-1;status=503","mock/mock-2"],"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(created.status == 200)
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"@preset/resilient","messages":[]}"#
            )
            #expect(response.status == 200, "\(response.text)")
            #expect(Self.upstreamBody(fixture)["model"] as? String == "mock-2")
            #expect(response.header("x-portkey-last-used-option-index") == "models[1]")
        }
    }

    @Test(arguments: [
        ("/api/v1/presets/p/chat/completions", "{", 400, "not valid JSON"),
        ("/api/v1/presets/p/chat/completions", "[]", 400, "must be a JSON object"),
        ("/api/v1/presets/p/chat/completions", #"{"model":"m"}"#, 400, "'messages' is required"),
        ("/api/v1/presets/p/messages", #"{"messages":[]}"#, 400, "'model' is required"),
        (
            "/api/v1/presets/p/chat/completions", #"{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}"#,
            400,
            "'temperature' must be a number"
        ),
        // Found by schemathesis (issue 19): a preset must not keep a value its target API would refuse.
        (
            "/api/v1/presets/p/chat/completions",
            #"{"messages":[{"role":"user","content":"hi"}],"frequency_penalty":{}}"#, 400, "'frequency_penalty'"
        ),
        (
            "/api/v1/presets/p/chat/completions", #"{"messages":[{"role":"user","content":"hi"}],"seed":{}}"#, 400,
            "'seed' must be an integer"
        ),
        (
            "/api/v1/presets/p/chat/completions", #"{"messages":[{"role":"user","content":"hi"}],"tool_choice":-773}"#,
            400, "'tool_choice'"
        ),
        (
            "/api/v1/presets/p/chat/completions",
            #"{"messages":[{"role":"user","content":"hi"}],"response_format":[null,null]}"#, 400,
            "'response_format'"
        ),
        ("/api/v1/presets/p/responses", #"{"reasoning_effort":"huge"}"#, 400, "'reasoning_effort' must be one of"),
        // Inside tools and messages too: the whole body is checked against its OpenRouter request schema.
        (
            "/api/v1/presets/p/chat/completions",
            #"{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":"x"}}]}"#,
            400, "'tools[0].function.parameters' must be an object, not a string"
        ),
        ("/api/v1/presets/p/chat/completions", #"{"messages":[]}"#, 400, "'messages' must have at least 1 item."),
        (
            "/api/v1/presets/p/chat/completions", #"{"messages":[{"role":"pirate","content":"arr"}]}"#, 400,
            "'messages[0].role'"
        ),
        (
            "/api/v1/presets/p/messages",
            #"{"model":"m","messages":[{"role":"user","content":"hi"}],"thinking":{"type":"sometimes"}}"#,
            400, "'thinking"
        ),
        // A field kept from another kind's body is checked by that kind's schema.
        (
            "/api/v1/presets/p/chat/completions",
            #"{"messages":[{"role":"user","content":"hi"}],"truncation":"never"}"#, 400, "'truncation' must be one of"
        ),
        ("/api/v1/presets/p%20q/responses", "{}", 400, "Invalid preset slug"),
        ("/api/v1/presets/p/embeddings", "{}", 404, "No presets route"),
    ])
    func badCreatesGetOpenRouterErrors(path: String, body: String, status: Int, message: String) async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let response = try await fixture.client.request(path, body: body)
            #expect(response.status == status, "\(response.text)")
            let error = response.json["error"] as? [String: Any]
            #expect(error?["code"] as? Int == status)
            #expect((error?["message"] as? String)?.contains(message) == true, "\(response.text)")
        }
    }

    @Test func badReadsGetOpenRouterErrors() async throws {
        try await Self.withGateway(.sqlite) { fixture in
            _ = try await fixture.client.request("/api/v1/presets/p/responses", body: "{}")
            for (path, status) in [
                ("/api/v1/presets?limit=101", 400), ("/api/v1/presets?limit=0", 400),
                ("/api/v1/presets?offset=-1", 400),
                ("/api/v1/presets/none", 404), ("/api/v1/presets/none/versions", 404),
                ("/api/v1/presets/p/versions/x", 400),
                ("/api/v1/presets/p/versions/9", 404), ("/api/v1/presets?offset=null", 200),
            ] {
                let response = try await fixture.client.request(path, method: .GET)
                #expect(response.status == status, "\(path): \(response.text)")
            }
            let delete = try await fixture.client.request("/api/v1/presets/p", method: .DELETE)
            #expect(delete.status == 405)
        }
    }
}
