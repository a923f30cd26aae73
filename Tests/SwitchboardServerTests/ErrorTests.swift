import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Bad input and upstream faults: every one gets a clear status and message, never a hang.
@Suite struct ErrorTests {
    private func error(_ response: TestResponse) -> [String: Any] {
        response.json["error"] as? [String: Any] ?? [:]
    }

    @Test func malformedJSONSaysWhere() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: "{\"model\": \"mock/x\",\n  oops}"
            )
            #expect(response.status == 400)
            #expect(self.error(response)["code"] as? String == "invalid_json")
            #expect((self.error(response)["message"] as? String)?.contains("line 2, column 3") == true)
            #expect(response.header("x-request-id") != nil)
            #expect(fixture.mock.recorder.requestCount == 0)
        }
    }

    @Test(arguments: [
        (#"{"model":42,"messages":[]}"#, "model"), (#"{"model":"mock/x","stream":"true","messages":[]}"#, "stream"),
        (#"{"model":"mock/x","stream_options":{"include_usage":"no"},"messages":[]}"#, "stream_options.include_usage"),
    ])
    func wrongTypesAre400(body: String, field: String) async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request("/v1/chat/completions", body: body)
            #expect(response.status == 400)
            #expect(self.error(response)["param"] as? String == field)
        }
    }

    /// A body no provider would accept is refused at the edge, naming the field, in the client protocol's error
    /// shape, and no upstream is called (issue 20, item 4).
    @Test(arguments: [
        ("/v1/chat/completions", #"{"model":"mock/x","messages":"hi"}"#, "messages", "must be an array of messages"),
        ("/v1/chat/completions", #"{"model":"mock/x"}"#, "messages", "is required"),
        ("/v1/chat/completions", #"{"model":"mock/x","messages":[],"temperature":"hot"}"#, "temperature", "a number"),
        ("/v1/chat/completions", #"{"model":"mock/x","messages":[],"max_tokens":1.5}"#, "max_tokens", "an integer"),
        ("/v1/chat/completions", #"{"model":"mock/x","messages":[],"n":0}"#, "n", "from 1 to 128"),
        ("/v1/chat/completions", #"{"model":"mock/x","messages":[],"n":500}"#, "n", "from 1 to 128"),
        (
            "/v1/messages", #"{"model":"mock/x","messages":[{"role":"user","content":"hi"}]}"#, "max_tokens",
            "is required"
        ),
        ("/v1/messages", #"{"model":"mock/x","max_tokens":0,"messages":[]}"#, "max_tokens", "of 1 or more"),
        ("/v1/messages", #"{"model":"mock/x","max_tokens":5,"messages":{}}"#, "messages", "not an object"),
        ("/v1/embeddings", #"{"model":"mock/x"}"#, "input", "is required"),
        ("/v1/responses", #"{"model":"mock/x","input":7}"#, "input", "a string or an array"),
    ])
    func badBodiesAreRefusedAtTheEdge(path: String, body: String, field: String, problem: String) async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(path, body: body)
            #expect(response.status == 400, "\(response.text)")
            if path == "/v1/messages" {
                // Anthropic's shape for a Messages client.
                #expect(response.json["type"] as? String == "error")
                let error = response.json["error"] as? [String: Any]
                #expect(error?["type"] as? String == "invalid_request_error")
                #expect(
                    (error?["message"] as? String).map { $0.contains("'\(field)'") && $0.contains(problem) } == true,
                    "\(response.text)"
                )
            } else {
                #expect(self.error(response)["param"] as? String == field)
                #expect((self.error(response)["message"] as? String)?.contains(problem) == true, "\(response.text)")
            }
            #expect(fixture.mock.recorder.requestCount == 0, "no upstream call for a request that cannot succeed")
        }
    }

    @Test func missingModelIs400WithoutADefault() async throws {
        let yaml = "providers:\n  mock:\n    kind: mock\n"
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let response = try await fixture.client.request("/v1/chat/completions", body: #"{"messages":[]}"#)
            #expect(response.status == 400)
            #expect(
                self.error(response)["code"] as? String == "unknown_provider"
                    || self.error(response)["code"] as? String == "missing_model"
            )
        }
        try await GatewayFixture.with { fixture in
            // With a default route but no default model, a missing model is named as such.
            let response = try await fixture.client.request("/v1/embeddings", body: #"{"input":"x"}"#)
            #expect(response.status == 400)
            #expect(self.error(response)["code"] as? String == "missing_model")
        }
    }

    @Test func unknownProviderNamesTheConfiguredOnes() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"nope/x","messages":[]}"#
            )
            #expect(response.status == 400)
            #expect((self.error(response)["message"] as? String)?.contains("Configured providers: mock") == true)
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        let yaml = GatewayFixture.mockOnly + "\nserver:\n  max_body_bytes: 2048\n"
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let big = #"{"model":"mock/x","pad":""# + String(repeating: "a", count: 4000) + #"","messages":[]}"#
            let response = try await fixture.client.request("/v1/chat/completions", body: big)
            #expect(response.status == 413)
            #expect(self.error(response)["code"] as? String == "body_too_large")
            // Without a content-length (chunked), the limit holds as the body arrives.
            let chunked =
                "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                + "transfer-encoding: chunked\r\n\r\n" + String(4000, radix: 16) + "\r\n"
                + String(repeating: "a", count: 4000)
                + "\r\n0\r\n\r\n"
            let raw = try await fixture.client.raw(chunked)
            #expect(raw.hasPrefix("HTTP/1.1 413"))
        }
    }

    @Test func unknownRoutesAre404JSON() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request("/nowhere?x=1", method: .GET)
            #expect(response.status == 404)
            #expect((self.error(response)["message"] as? String)?.contains("GET /nowhere") == true)
        }
    }

    @Test func malformedHTTPIs400() async throws {
        try await GatewayFixture.with { fixture in
            let raw = try await fixture.client.raw("NONSENSE\r\n\r\n")
            #expect(raw.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test func refusedUpstreamIs502NamingTheProvider() async throws {
        // A port that was just free: nothing listens there.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let probe = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let deadPort = probe.localAddress!.port!
        try await probe.close()
        try await group.shutdownGracefully()
        let yaml = "providers:\n  dead:\n    kind: openai\n    base_url: http://127.0.0.1:\(deadPort)/v1\n"
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"dead/x","messages":[]}"#
            )
            #expect(response.status == 502)
            #expect(
                (self.error(response)["message"] as? String)?.contains("Provider 'dead' could not be reached") == true
            )
        }
    }

    @Test func upstreamResetBeforeAnswerIs502() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"mock/x;reset_after=0","messages":[]}"#
            )
            #expect(response.status == 502)
            #expect((self.error(response)["message"] as? String)?.contains("'mock'") == true)
        }
    }

    @Test func slowUpstreamIs504() async throws {
        let yaml = GatewayFixture.mockOnly + "\nserver:\n  timeouts: {response_ms: 200}\n"
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-header-delay-ms", "3000")],
                body: #"{"model":"mock/x","messages":[]}"#
            )
            #expect(response.status == 504)
            #expect(self.error(response)["type"] as? String == "timeout_error")
            #expect((self.error(response)["message"] as? String)?.contains("200 ms") == true)
        }
    }

    @Test func stalledStreamIsCutOff() async throws {
        let yaml = GatewayFixture.mockOnly + "\nserver:\n  timeouts: {idle_ms: 200}\n"
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-interval-ms", "2000")],
                body: #"{"model":"mock/x","stream":true,"messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(!response.complete)
        }
    }

    @Test(arguments: [429, 500, 503, 529, 400, 401])
    func upstreamErrorsPassThroughWithStatusAndBody(status: Int) async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"mock/x;status=\#(status);retry_after=7","messages":[]}"#
            )
            #expect(response.status == status)
            #expect(response.text == MockResponses.error(status: status, anthropic: false))
            #expect(response.header("retry-after") == "7")
            #expect(response.header("x-portkey-trace-id") != nil)
        }
    }

    @Test func malformedUpstreamBodiesPassThroughUntouched() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"mock/x;malformed=true","messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(response.text == #"{"id":"mock-broken","choices":[{"#)
        }
    }

    @Test func resetMidStreamEndsTheClientResponseIncomplete() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-reset-after", "3"), ("x-mock-interval-ms", "10")],
                body: #"{"model":"mock/x","stream":true,"messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(!response.complete)
            #expect(!response.sseData.contains("[DONE]"))
            // The stream ends with an explicit error event, not just a cut.
            let last = try #require(response.sseData.last)
            #expect(last.contains(#""code":"stream_interrupted""#), "\(last)")
        }
    }

    @Test func clientDisconnectCancelsTheUpstreamRequest() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-interval-ms", "50"), ("x-mock-tokens", "100")],
                body: #"{"model":"mock/x","stream":true,"messages":[]}"#,
                closeAfterChunks: 2
            )
            #expect(!response.complete)
            // The gateway closes its upstream connection; the mock stops streaming long before 100 tokens.
            #expect(await fulfilled { await fixture.mock.recorder.waitUntil { $0.connectionsActive == 0 } })
            let sent = fixture.mock.recorder.requests.last?.chunkSentAt.count ?? 0
            #expect(sent < 20)
        }
    }
}
