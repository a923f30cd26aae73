import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// The models registry under `/api/v0/models` on every store kind: every status of spec/models-api.md, cursor
/// pages without gaps or repeats, the ETag race, and registry models as routing targets.
@Suite struct ModelsRegistryTests {
    static let yaml = """
        providers:
          mock:
            kind: mock
            models: [mock-1]
        default_route: {provider: mock}
        """

    static func withGateway<T: Sendable>(
        _ kind: TestStores.Kind,
        _ body: (GatewayFixture) async throws -> T
    ) async throws -> T {
        try await GatewayFixture.with(yaml: Self.yaml, storeKind: kind, body)
    }

    static func put(
        _ fixture: GatewayFixture,
        _ id: String,
        _ body: String,
        ifMatch: String? = nil,
        query: String = ""
    ) async throws -> TestResponse {
        try await fixture.client.request(
            "/api/v0/models/\(id)\(query)",
            method: .PUT,
            headers: ifMatch.map { [("if-match", $0)] } ?? [],
            body: body
        )
    }

    static func problem(_ response: TestResponse) -> (code: String?, status: Int?) {
        (response.json["code"] as? String, response.json["status"] as? Int)
    }

    @Test(arguments: TestStores.available)
    func putGetReplaceDeleteWithETags(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let created = try await Self.put(
                fixture,
                "openai:gpt-4o-mini",
                #"{"provider":"openai","model":"gpt-4o-mini","api_key":"sk-registry-0123456789abcd","params":{"temperature":0.2}}"#
            )
            #expect(created.status == 201, "\(created.text)")
            #expect(created.header("location") == "/api/v0/models/openai:gpt-4o-mini")
            let etag = try #require(created.header("etag"))
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
            #expect(created.json["message"] as? String == "model created")
            let data = try #require(created.json["data"] as? [String: Any])
            #expect(data["resource"] as? String == "model" && data["id"] as? String == "openai:gpt-4o-mini")
            #expect(data["api_key"] as? String == "sk-r********abcd", "a literal key is masked")
            #expect(!created.text.contains("0123456789"))

            let got = try await fixture.client.request("/api/v0/models/openai:gpt-4o-mini", method: .GET)
            #expect(got.status == 200 && got.header("etag") == etag)
            #expect(got.json["message"] as? String == "model retrieved")

            // Replace with the current ETag; the stale one then fails.
            let replaced = try await Self.put(
                fixture,
                "openai:gpt-4o-mini",
                #"{"provider":"openai","model":"gpt-4o-mini","api_key":"{{ .env.OPENAI_API_KEY }}"}"#,
                ifMatch: etag
            )
            #expect(replaced.status == 200, "\(replaced.text)")
            #expect(replaced.header("etag") != etag)
            let replacedData = replaced.json["data"] as? [String: Any]
            #expect(replacedData?["api_key"] as? String == "{{ .env.OPENAI_API_KEY }}")
            #expect(replacedData?["params"] == nil, "PUT replaces: params were cleared")
            let stale = try await Self.put(
                fixture,
                "openai:gpt-4o-mini",
                #"{"provider":"openai","model":"x"}"#,
                ifMatch: etag
            )
            #expect(stale.status == 412 && Self.problem(stale).code == "etag_mismatch")
            #expect(stale.header("content-type") == "application/problem+json")
            let missing = try await Self.put(
                fixture,
                "openai:none",
                #"{"provider":"openai","model":"none"}"#,
                ifMatch: "\"abc\""
            )
            #expect(missing.status == 412 && Self.problem(missing).code == "stale_if_match")
            let star = try await Self.put(
                fixture,
                "openai:none",
                #"{"provider":"openai","model":"none"}"#,
                ifMatch: "*"
            )
            #expect(star.status == 400 && Self.problem(star).code == "invalid_if_match")
            let weak = try await Self.put(
                fixture,
                "openai:none",
                #"{"provider":"openai","model":"none"}"#,
                ifMatch: "W/\"a\""
            )
            #expect(weak.status == 400)
            let unconditional = try await Self.put(
                fixture,
                "openai:gpt-4o-mini",
                #"{"provider":"openai","model":"gpt-4o-mini"}"#
            )
            #expect(unconditional.status == 200)

            // Projects are separate.
            let other = try await fixture.client.request("/api/v0/models/openai:gpt-4o-mini?project=team", method: .GET)
            #expect(other.status == 404 && Self.problem(other).code == "not_found")

            let deleted = try await fixture.client.request("/api/v0/models/openai:gpt-4o-mini", method: .DELETE)
            #expect(deleted.status == 204 && deleted.body.isEmpty)
            let again = try await fixture.client.request("/api/v0/models/openai:gpt-4o-mini", method: .DELETE)
            #expect(again.status == 404)
        }
    }

    @Test(arguments: TestStores.available)
    func cursorPagesCoverEveryModelOnce(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let ids = (0..<23).map { String(format: "mock:m-%02d", $0) } + ["other:z"]
            for id in ids.shuffled() {
                let model = id.split(separator: ":")[1]
                let provider = id.hasPrefix("mock") ? "mock" : "openai"
                #expect(
                    try await Self.put(fixture, id, #"{"provider":"\#(provider)","model":"\#(model)"}"#).status == 201
                )
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "?limit=5&q=mock:" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await fixture.client.request("/api/v0/models\(query)", method: .GET)
                #expect(page.status == 200, "\(page.text)")
                let data = page.json["data"] as? [String: Any]
                let models = data?["models"] as? [[String: Any]] ?? []
                #expect(models.allSatisfy { ($0["etag"] as? String)?.isEmpty == false })
                seen += models.compactMap { $0["id"] as? String }
                let info = data?["page"] as? [String: Any]
                #expect(info?["total"] as? Int == 23 && info?["limit"] as? Int == 5)
                #expect((info?["prev_cursor"] == nil) == (pages == 0))
                cursor = info?["next_cursor"] as? String
                #expect((page.header("link")?.contains("rel=\"next\"") ?? false) == (cursor != nil))
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == ids.filter { $0.hasPrefix("mock:") }.sorted())
            #expect(pages == 5)

            // Backwards from the end, through prev cursors.
            let last = try await fixture.client.request(
                "/api/v0/models?limit=5&q=mock:&cursor=\(Self.token("v2:before:mock:m-23"))",
                method: .GET
            )
            let lastIDs = ((last.json["data"] as? [String: Any])?["models"] as? [[String: Any]])?.compactMap {
                $0["id"] as? String
            }
            #expect(lastIDs == ["mock:m-18", "mock:m-19", "mock:m-20", "mock:m-21", "mock:m-22"])

            let clamped = try await fixture.client.request("/api/v0/models?limit=9999", method: .GET)
            #expect(((clamped.json["data"] as? [String: Any])?["page"] as? [String: Any])?["limit"] as? Int == 500)
            for bad in ["abc!", Self.token("v1:after:x"), Self.token("v2:sideways:x"), Self.token("v2:after:")] {
                let response = try await fixture.client.request("/api/v0/models?cursor=\(bad)", method: .GET)
                #expect(response.status == 400 && Self.problem(response).code == "invalid_cursor", "\(bad)")
                #expect(response.json["detail"] as? String == "Invalid cursor parameter")
            }
        }
    }

    static func token(_ payload: String) -> String {
        Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test(arguments: TestStores.available)
    func twoWritersWithOneETagOneWins(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let created = try await Self.put(fixture, "mock:race", #"{"provider":"mock","model":"race"}"#)
            let etag = try #require(created.header("etag"))
            for _ in 0..<5 {
                let current = try await fixture.client.request("/api/v0/models/mock:race", method: .GET).header("etag")!
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for writer in 0..<2 {
                        group.addTask {
                            try await Self.put(
                                fixture,
                                "mock:race",
                                #"{"provider":"mock","model":"race","params":{"seed":\#(writer)}}"#,
                                ifMatch: current
                            ).status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.sorted() == [200, 412])
            }
            #expect(etag != (try await fixture.client.request("/api/v0/models/mock:race", method: .GET).header("etag")))
        }
    }

    @Test(arguments: TestStores.available)
    func registryModelsAreRoutingTargets(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let mockURL = "http://127.0.0.1:\(fixture.mock.port!)/v1"
            let put = try await Self.put(
                fixture,
                "openai:local-llm",
                #"""
                {"provider":"openai","model":"llama-local","api_url":"\#(mockURL)","api_key":"sk-registry-key-0000000",
                 "params":{"temperature":0.1,"max_tokens":32,"stop_words":["END"],"min_length":3},"default":true}
                """#
            )
            #expect(put.status == 201, "\(put.text)")
            let routed = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"openai:local-llm","max_tokens":8,"messages":[]}"#
            )
            #expect(routed.status == 200, "\(routed.text)")
            let request = try #require(fixture.mock.recorder.requests.last)
            #expect(request.header("authorization") == "Bearer sk-registry-key-0000000")
            let sent = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] ?? [:]
            #expect(sent["model"] as? String == "llama-local")
            #expect(sent["max_tokens"] as? Int == 8, "the request's value wins over the model's params")
            #expect(sent["temperature"] as? Double == 0.1 && sent["stop"] as? [String] == ["END"])
            #expect(sent["min_length"] == nil)

            // The project's default model serves requests that name none.
            let unnamed = try await fixture.client.request("/v1/chat/completions", body: #"{"messages":[]}"#)
            #expect(unnamed.status == 200, "\(unnamed.text)")
            #expect(
                (try JSONSerialization.jsonObject(with: Data(fixture.mock.recorder.requests.last!.body))
                    as? [String: Any])?["model"] as? String == "llama-local"
            )

            let second = try await Self.put(fixture, "mock:second", #"{"provider":"mock","model":"m","default":true}"#)
            #expect(second.status == 409 && Self.problem(second).code == "default_taken")

            let listed = try await fixture.client.request("/v1/models", method: .GET)
            let ids = (listed.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(ids == ["mock/mock-1", "openai:local-llm"])

            // A preset that uses the model holds its delete back.
            let preset = try await fixture.client.request(
                "/api/v1/presets/uses-it/chat/completions",
                body: #"{"model":"openai:local-llm","messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(preset.status == 200, "\(preset.text)")
            let refused = try await fixture.client.request("/api/v0/models/openai:local-llm", method: .DELETE)
            #expect(refused.status == 409 && Self.problem(refused).code == "model_referenced")
            let references = refused.json["references"] as? [[String: Any]]
            #expect(references?.first?["resource"] as? String == "presets")
            #expect(references?.first?["ids"] as? [String] == ["uses-it"])
        }
    }

    @Test(arguments: [
        ("{", "invalid request body"), (#"{"model":"m"}"#, "'provider' is required"),
        (#"{"provider":"nope","model":"m"}"#, "unknown provider 'nope'"),
        (#"{"provider":"openai"}"#, "'model' is required"),
        (#"{"provider":"openai","model":"m","api_url":"ftp://x"}"#, "'api_url' must be"),
        (#"{"provider":"openai","model":"m","params":{"warmth":1}}"#, "unknown params key 'warmth'"),
        (#"{"provider":"openai","model":"m","params":{"max_tokens":1.5}}"#, "'params.max_tokens' must be an integer"),
        (#"{"provider":"openai","model":"m","default":"yes"}"#, "'default' must be true or false"),
        (#"{"provider":"openai","model":"m","id":"other"}"#, "disagrees with the path"),
        (#"{"provider":"openai","model":"m","colour":"red"}"#, "unknown field 'colour'"),
    ])
    func badBodiesAreProblems(body: String, detail: String) async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let response = try await Self.put(fixture, "openai:m", body)
            #expect(response.status == 400, "\(response.text)")
            #expect(response.header("content-type") == "application/problem+json")
            #expect(
                response.json["title"] as? String == "Bad Request" && response.json["type"] as? String == "about:blank"
            )
            #expect(response.json["instance"] as? String == "/api/v0/models/openai:m")
            #expect((response.json["detail"] as? String)?.contains(detail) == true, "\(response.text)")
        }
    }
}
