import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// Portkey's `/v1/prompts` and `/v1/prompts/partials` through real HTTP, on every store kind: CRUD, numbered
/// versions with a default one, labels, partials with their own versions, rendering with variables, and the
/// missing variables and unknown partials named in a 400.
@Suite struct PromptsAPITests {
    static func post(_ fixture: GatewayFixture, _ path: String, _ body: String) async throws -> TestResponse {
        try await fixture.client.request(path, body: body)
    }

    static func put(_ fixture: GatewayFixture, _ path: String, _ body: String) async throws -> TestResponse {
        try await fixture.client.request(path, method: .PUT, body: body)
    }

    static func get(_ fixture: GatewayFixture, _ path: String) async throws -> TestResponse {
        try await fixture.client.request(path, method: .GET)
    }

    static func messages(_ rendered: TestResponse) -> [[String: Any]] {
        ((rendered.json["data"] as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
    }

    static let template =
        #"[{\"role\":\"system\",\"content\":\"{{>tone}} {{>tone@1}}\"},{\"role\":\"user\",\"content\":\"Tell me about {{topic}}.\"}]"#

    @Test(arguments: TestStores.available)
    func promptsPartialsVersionsAndRendering(kind: TestStores.Kind) async throws {
        try await GatewayFixture.with(storeKind: kind) { fixture in
            // A partial with two versions; its default stays 1 until made 2.
            let partial = try await Self.post(
                fixture,
                "/v1/prompts/partials",
                #"{"name":"Tone","slug":"tone","string":"Be {{style}}."}"#
            )
            #expect(partial.status == 200, "\(partial.text)")
            let edited = try await Self.put(fixture, "/v1/prompts/partials/tone", #"{"string":"Be kind."}"#)
            #expect(edited.json["prompt_partial_version_id"] is String, "\(edited.text)")
            #expect(try await Self.get(fixture, "/v1/prompts/partials/tone").json["version"] as? Int == 1)
            let partialVersions = try await Self.get(fixture, "/v1/prompts/partials/tone/versions")
            #expect((partialVersions.jsonArray as? [[String: Any]])?.map { $0["version"] as? String } == ["2", "1"])

            let created = try await Self.post(
                fixture,
                "/v1/prompts",
                #"{"name":"Explainer","collection_id":"c1","string":"\#(Self.template)","parameters":{"temperature":0.3,"max_tokens":40},"model":"mock-1","virtual_key":"mock"}"#
            )
            #expect(created.status == 200, "\(created.text)")
            let slug = try #require(created.json["slug"] as? String)
            #expect(slug.hasPrefix("pp-explainer-"))
            #expect(created.json["object"] as? String == "prompt")

            let list = try await Self.get(fixture, "/v1/prompts?collection_id=c1")
            #expect((list.json["data"] as? [[String: Any]])?.first?["model"] as? String == "mock-1")
            let got = try await Self.get(fixture, "/v1/prompts/\(slug)")
            #expect(got.json["prompt_version"] as? Int == 1)
            #expect((got.json["parameters"] as? [String: Any])?["temperature"] as? Double == 0.3)

            // Rendered: the partial's default (version 1, needs `style`) and its version 1 explicitly.
            let rendered = try await Self.post(
                fixture,
                "/v1/prompts/\(slug)/render",
                #"{"variables":{"style":"brief","topic":"the \"tides\""},"max_tokens":9}"#
            )
            #expect(rendered.status == 200, "\(rendered.text)")
            #expect(rendered.json["success"] as? Bool == true)
            let messages = Self.messages(rendered)
            #expect(messages.first?["content"] as? String == "Be brief. Be brief.")
            #expect(messages.last?["content"] as? String == #"Tell me about the "tides"."#)
            let data = try #require(rendered.json["data"] as? [String: Any])
            #expect(data["model"] as? String == "mock-1")
            #expect(data["max_tokens"] as? Int == 9)
            #expect(data["temperature"] as? Double == 0.3)

            // The partial's default moves to 2: the template's plain `{{>tone}}` follows, `@1` does not.
            #expect(
                try await Self.put(fixture, "/v1/prompts/partials/tone/makeDefault", #"{"version":2}"#).status == 200
            )
            let again = try await Self.post(
                fixture,
                "/v1/prompts/\(slug)/render",
                #"{"variables":{"style":"brief","topic":"x"}}"#
            )
            #expect(Self.messages(again).first?["content"] as? String == "Be kind. Be brief.")

            // A new prompt version is not the default until made so; `@latest` and `@2` name it.
            let updated = try await Self.put(fixture, "/v1/prompts/\(slug)", #"{"string":"Just {{topic}}"}"#)
            #expect(updated.json["prompt_version_id"] is String, "\(updated.text)")
            let latest = try await Self.post(
                fixture,
                "/v1/prompts/\(slug)@latest/render",
                #"{"variables":{"topic":"x"}}"#
            )
            #expect(Self.messages(latest).first?["content"] as? String == "Just x")
            #expect((latest.json["data"] as? [String: Any])?["temperature"] as? Double == 0.3, "parameters kept")
            let stillOne = try await Self.post(
                fixture,
                "/v1/prompts/\(slug)/render",
                #"{"variables":{"style":"a","topic":"x"}}"#
            )
            #expect(Self.messages(stillOne).count == 2)
            #expect(try await Self.put(fixture, "/v1/prompts/\(slug)/makeDefault", #"{"version":2}"#).status == 200)
            #expect(try await Self.get(fixture, "/v1/prompts/\(slug)").json["prompt_version"] as? Int == 2)

            // Versions, one by number, a label.
            let versions = try await Self.get(fixture, "/v1/prompts/\(slug)/versions")
            let items = try #require(versions.jsonArray as? [[String: Any]])
            #expect(items.map { $0["prompt_version"] as? Int } == [2, 1])
            let first = try await Self.get(fixture, "/v1/prompts/\(slug)/versions/1")
            #expect((first.json["string"] as? String)?.contains("{{>tone}}") == true)
            let labelled = try await Self.put(fixture, "/v1/prompts/\(slug)/versions/1", #"{"label_id":"production"}"#)
            #expect(labelled.status == 200, "\(labelled.text)")
            #expect(
                try await Self.get(fixture, "/v1/prompts/\(slug)/versions/1").json["prompt_version_label_id"] as? String
                    == "production"
            )

            #expect(try await fixture.client.request("/v1/prompts/\(slug)", method: .DELETE).status == 200)
            #expect(try await Self.get(fixture, "/v1/prompts/\(slug)").status == 404)
        }
    }

    @Test func badBodiesAndRendersAreNamed() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            let creates: [(String, String)] = [
                (#"{"string":"x"}"#, "'name'"),
                (#"{"name":"p"}"#, "'string'"),
                (#"{"name":"p","string":"{{#open}}"}"#, "not valid Mustache"),
                (#"{"name":"p","string":"x","parameters":[1]}"#, "'parameters'"),
                (#"{"name":"p","string":"x","tools":{}}"#, "'tools'"),
                (#"{"name":"p","string":"x","slug":"Not A Slug"}"#, "'slug'"),
            ]
            for (body, named) in creates {
                let response = try await Self.post(fixture, "/v1/prompts", body)
                #expect(response.status == 400, "\(body): \(response.text)")
                #expect(response.text.contains(named), "\(body): \(response.text)")
            }
            let created = try await Self.post(
                fixture,
                "/v1/prompts",
                #"{"name":"p","slug":"p","string":"{{greeting}}, {{>missing}} {{>gone@4}} {{name}}"}"#
            )
            #expect(created.status == 200, "\(created.text)")
            let unknown = try await Self.post(fixture, "/v1/prompts/p/render", #"{"variables":{}}"#)
            #expect(unknown.status == 400)
            #expect(unknown.text.contains("Unknown partials: missing, gone@4"), "\(unknown.text)")
            _ = try await Self.put(fixture, "/v1/prompts/p", #"{"string":"{{greeting}}, {{name}}"}"#)
            _ = try await Self.put(fixture, "/v1/prompts/p/makeDefault", #"{"version":2}"#)
            let missing = try await Self.post(fixture, "/v1/prompts/p/render", #"{"variables":{"name":"Ada"}}"#)
            #expect(missing.status == 400)
            #expect(missing.text.contains("Missing variables: greeting"), "\(missing.text)")
            let notObject = try await Self.post(fixture, "/v1/prompts/p/render", #"{"variables":"x"}"#)
            #expect(notObject.text.contains("'variables'"), "\(notObject.text)")
            #expect(try await Self.post(fixture, "/v1/prompts/nope/render", "{}").status == 404)
            #expect(try await Self.post(fixture, "/v1/prompts/p@9/render", "{}").status == 404)
            #expect(try await Self.put(fixture, "/v1/prompts/p/makeDefault", #"{"version":7}"#).status == 404)
            #expect(try await Self.put(fixture, "/v1/prompts/p/makeDefault", #"{}"#).status == 400)
            #expect(try await Self.put(fixture, "/v1/prompts/p", #"{}"#).status == 400)
        }
    }

    /// `POST /v1/prompts/{id}/completions` goes through the normal routing: the prompt's virtual key and model, its
    /// parameters under the caller's hyperparameters, JSON or streamed; bad variables cost no upstream call.
    @Test(arguments: TestStores.available)
    func completionsAreRoutedLikeAChat(kind: TestStores.Kind) async throws {
        try await GatewayFixture.with(storeKind: kind) { fixture in
            let created = try await Self.post(
                fixture,
                "/v1/prompts",
                #"{"name":"Ask","slug":"ask","string":"Tell me about {{topic}}.","parameters":{"temperature":0.3,"max_tokens":40},"model":"mock-1","virtual_key":"mock"}"#
            )
            #expect(created.status == 200, "\(created.text)")
            let answer = try await Self.post(
                fixture,
                "/v1/prompts/ask/completions",
                #"{"variables":{"topic":"tides"},"max_tokens":5}"#
            )
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["object"] as? String == "chat.completion")
            #expect(answer.header("x-portkey-provider") == "mock")
            let sent = try #require(fixture.mock.recorder.requests.last)
            #expect(sent.uri == "/v1/chat/completions")
            let body = try #require(JSONValue(parsing: Array(sent.bodyString.utf8)))
            #expect(body["messages"]?.array?.first?["content"]?.string == "Tell me about tides.")
            #expect(body["model"]?.string == "mock-1")
            #expect(body["temperature"]?.number == 0.3)
            #expect(body["max_tokens"]?.number == 5)
            // The log says which prompt made the request.
            #expect(try await OutputGuardrailTests.logged(fixture, answer).promptSlug == "ask")
            let id = try #require(answer.header("x-request-id"))
            let item = try await Self.get(fixture, "/v1/logs/\(id)")
            #expect((item.json["metrics"] as? [String: Any])?["prompt_slug"] as? String == "ask", "\(item.text)")

            let streamed = try await Self.post(
                fixture,
                "/v1/prompts/ask@1/completions",
                #"{"variables":{"topic":"tides"},"stream":true}"#
            )
            #expect(streamed.status == 200)
            #expect(streamed.header("content-type")?.contains("text/event-stream") == true)
            #expect(streamed.sseData.last == "[DONE]")

            // A config's `prompt_id`: a chat request of variables is rendered by that prompt; one with its own
            // messages is served as it is.
            let byConfig = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", #"{"prompt_id":"ask"}"#)],
                body: #"{"variables":{"topic":"reefs"}}"#
            )
            #expect(byConfig.status == 200, "\(byConfig.text)")
            let rendered = try #require(JSONValue(parsing: Array(fixture.mock.recorder.requests.last!.bodyString.utf8)))
            #expect(rendered["messages"]?.array?.first?["content"]?.string == "Tell me about reefs.")
            let ownMessages = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", #"{"prompt_id":"ask","provider":"mock"}"#)],
                body: #"{"model":"mock-1","messages":[{"role":"user","content":"as is"}]}"#
            )
            #expect(ownMessages.status == 200)
            #expect(fixture.mock.recorder.requests.last!.bodyString.contains("as is"))
            let nested = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    (
                        "x-portkey-config",
                        #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock","prompt_id":"ask"}]}"#
                    )
                ],
                body: #"{"variables":{"topic":"reefs"}}"#
            )
            #expect(nested.status == 400)
            #expect(nested.text.contains("targets[0].prompt_id"), "\(nested.text)")

            let calls = fixture.mock.recorder.requestCount
            let missing = try await Self.post(fixture, "/v1/prompts/ask/completions", #"{"variables":{}}"#)
            #expect(missing.status == 400)
            #expect(missing.text.contains("Missing variables: topic"), "\(missing.text)")
            #expect(try await Self.post(fixture, "/v1/prompts/nope/completions", "{}").status == 404)
            #expect(try await Self.post(fixture, "/v1/prompts/ask@7/completions", "{}").status == 404)
            #expect(fixture.mock.recorder.requestCount == calls, "no upstream call for a request that cannot succeed")
        }
    }
}
