import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// The data plane end to end: a real gateway relaying to a real mock over loopback.
@Suite struct ProxyTests {
    static let chat = #"{"model":"mock/mock-1","messages":[{"role":"user","content":"Hello there"}]}"#

    @Test func nonStreamingChatIsRelayedWithTheModelRewritten() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-trace-id", "trace-123"), ("authorization", "Bearer sk-client")],
                body: Self.chat
            )
            #expect(response.status == 200)
            #expect(response.complete)
            let message = (response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
            #expect(message?["content"] as? String == MockResponses.text(tokens: 8))
            #expect(response.header("x-portkey-trace-id") == "trace-123")
            #expect(response.header("x-request-id")?.count == 36)
            #expect(response.header("x-portkey-provider") == "mock")
            #expect(response.header("x-portkey-retry-attempt-count") == "0")
            #expect(response.header("x-portkey-last-used-option-index") == "config")

            let received = try #require(fixture.mock.recorder.requests.last)
            #expect(received.uri == "/v1/chat/completions")
            #expect(received.bodyString == Self.chat.replacingOccurrences(of: "mock/mock-1", with: "mock-1"))
            #expect(received.header("x-portkey-trace-id") == nil)
            #expect(received.header("authorization") == "Bearer sk-client")
            #expect(received.header("host") == "127.0.0.1:\(fixture.mockClient.port)")
            #expect(received.header("content-length") == String(received.body.count))
            let usage = response.json["usage"] as? [String: Int]
            #expect(usage?["prompt_tokens"] == MockResponses.promptTokens(bodyBytes: received.body.count))
        }
    }

    @Test func openRouterBasePathWorksToo() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request("/api/v1/chat/completions", body: Self.chat)
            #expect(response.status == 200)
            #expect(fixture.mock.recorder.requests.last?.uri == "/v1/chat/completions")
        }
    }

    @Test func streamingChatArrivesChunkByChunk() async throws {
        try await GatewayFixture.with { fixture in
            let body = #"{"model":"mock/mock-1","stream":true,"messages":[]}"#
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-tokens", "5")],
                body: body
            )
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/event-stream")
            let data = response.sseData
            #expect(data.last == "[DONE]")
            #expect(data.count == 5 + 3)  // role chunk, 5 tokens, finish chunk, [DONE]
            #expect(response.complete)
        }
    }

    /// With the mock pausing 200 ms between chunks, each chunk reaches the client as soon as the mock sends
    /// it: nothing is held back until the end.
    @Test func streamingIsIncremental() async throws {
        try await GatewayFixture.with { fixture in
            let body = #"{"model":"mock/mock-1","stream":true,"messages":[]}"#
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-interval-ms", "200"), ("x-mock-tokens", "3")],
                body: body
            )
            #expect(response.complete)
            let sent = try #require(fixture.mock.recorder.requests.last?.chunkSentAt)
            // Role, 3 tokens, finish, the usage chunk the gateway asked for (and took out), [DONE].
            #expect(sent.count == 7)
            // Chunks arrive spread out, as sent, rather than together at the end.
            let arrivals = response.chunks.map(\.at)
            #expect(arrivals.count >= 5)
            let spread = arrivals.last! - arrivals.first!
            #expect(spread >= .milliseconds(800))
            // The first chunk arrives well before the next one is written (200 ms later): it was not held back.
            // (Not a latency target: on a test machine running other suites, a few tens of milliseconds happen.)
            let lag = arrivals.first! - sent.first!
            #expect(lag < .milliseconds(150), "first chunk lag \(lag.nanoseconds / 1_000) µs")
        }
    }

    @Test func otherEndpointsAreForwarded() async throws {
        try await GatewayFixture.with { fixture in
            let completion = try await fixture.client.request(
                "/v1/completions",
                body: #"{"model":"mock/mock-1","prompt":"Say hi"}"#
            )
            #expect(completion.status == 200)
            #expect(completion.json["object"] as? String == "text_completion")

            let embedding = try await fixture.client.request(
                "/v1/embeddings",
                body: #"{"model":"mock/embed","input":["a","b"]}"#
            )
            #expect((embedding.json["data"] as? [Any])?.count == 2)

            let message = try await fixture.client.request(
                "/v1/messages",
                body: #"{"model":"mock/claude","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(message.json["type"] as? String == "message")

            let responses = try await fixture.client.request("/v1/responses", body: #"{"model":"mock/m","input":"hi"}"#)
            #expect(responses.json["object"] as? String == "response")
        }
    }

    @Test func modelsComeFromTheConfig() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request("/v1/models", method: .GET)
            #expect(response.status == 200)
            let ids = (response.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["mock/mock-1"])
            #expect(fixture.mock.recorder.requestCount == 0)
        }
    }

    @Test func otherPathsPassThroughWithMethodQueryAndBody() async throws {
        try await GatewayFixture.with { fixture in
            let get = try await fixture.client.request("/v1/files/file-1/content?limit=2", method: .GET)
            #expect(get.status == 200)
            #expect(get.json["uri"] as? String == "/v1/files/file-1/content?limit=2")
            #expect(get.json["method"] as? String == "GET")

            let upload = String(repeating: "x", count: 100_000)
            let post = try await fixture.client.request(
                "/v1/files",
                method: .POST,
                headers: [("content-type", "application/octet-stream")],
                body: upload
            )
            #expect(post.json["body_bytes"] as? Int == 100_000)
            #expect(fixture.mock.recorder.requests.last?.body.count == 100_000)

            let delete = try await fixture.client.request("/api/v1/files/file-1", method: .DELETE)
            #expect(delete.json["method"] as? String == "DELETE")
        }
    }

    @Test func upstreamConnectionsAreReused() async throws {
        try await GatewayFixture.with { fixture in
            for _ in 0..<10 {
                let response = try await fixture.client.request("/v1/chat/completions", body: Self.chat)
                #expect(response.status == 200)
            }
            // Two event loops, so at most two upstream connections.
            #expect(fixture.mock.recorder.connectionsOpened <= 2)
            #expect(fixture.mock.recorder.requestCount == 10)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await GatewayFixture.with { fixture in
            let one = #"{"model":"mock/first","messages":[]}"#
            let two = #"{"model":"mock/second","messages":[]}"#
            func request(_ body: String, close: Bool) -> String {
                "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n"
                    + (close ? "connection: close\r\n" : "") + "\r\n" + body
            }
            let text = try await fixture.client.raw(request(one, close: false) + request(two, close: true))
            let first = try #require(text.range(of: #""model":"first""#))
            let second = try #require(text.range(of: #""model":"second""#))
            #expect(first.lowerBound < second.lowerBound)
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        }
    }

    @Test func operationsEndpoints() async throws {
        try await GatewayFixture.with { fixture in
            #expect(try await fixture.client.request("/healthz", method: .GET).status == 200)
            #expect(try await fixture.client.request("/readyz", method: .GET).text == #"{"status":"ready"}"#)
            _ = try await fixture.client.request("/v1/chat/completions", body: Self.chat)
            let metrics = try await fixture.client.request("/metrics", method: .GET)
            #expect(metrics.header("content-type")?.hasPrefix("text/plain") == true)
            #expect(
                metrics.text.contains(
                    #"switchboard_requests_total{provider="mock",model="mock-1",endpoint="chat/completions",status="200"} 1"#
                )
            )
            #expect(metrics.text.contains("switchboard_request_duration_seconds_bucket"))
            #expect(try await fixture.client.request("/", method: .GET).status == 200)
        }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        self.components(separatedBy: target).joined(separator: replacement)
    }
}
