import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchboardMock
import SwitchboardTestSupport
import Testing

/// The mock provider on its own: shapes, exact usage, and every fault it can inject.
@Suite struct MockServerTests {
    private func withMock<T: Sendable>(_ body: (TestHTTPClient, MockServer) async throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let mock = MockServer(configuration: .init(port: 0, defaultTokens: 4), group: group)
        let port = try await mock.start()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(TestHTTPClient(group: group, port: port), mock))
        } catch {
            result = .failure(error)
        }
        await mock.shutdown()
        try await group.shutdownGracefully()
        return try result.get()
    }

    @Test func chatUsageIsExact() async throws {
        try await self.withMock { client, _ in
            let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
            let response = try await client.request("/v1/chat/completions", body: body)
            let usage = try #require(response.json["usage"] as? [String: Int])
            #expect(usage["prompt_tokens"] == (body.utf8.count + 3) / 4)
            #expect(usage["completion_tokens"] == 4)
            #expect(usage["total_tokens"] == (body.utf8.count + 3) / 4 + 4)
            #expect(response.json["model"] as? String == "m")
        }
    }

    @Test func streamsCarryUsageOnlyWhenAsked() async throws {
        try await self.withMock { client, _ in
            let plain = try await client.request("/v1/chat/completions", body: #"{"model":"m","stream":true}"#)
            #expect(!plain.text.contains("usage"))
            let body = #"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#
            let withUsage = try await client.request("/v1/chat/completions", body: body)
            let data = withUsage.sseData
            #expect(data.last == "[DONE]")
            let usageChunk = try #require(data.dropLast().last)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(usageChunk.utf8)) as? [String: Any])
            #expect((parsed["choices"] as? [Any])?.isEmpty == true)
            #expect((parsed["usage"] as? [String: Int])?["completion_tokens"] == 4)
            // The content chunks spell the deterministic text.
            let content = data.compactMap { line -> String? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let choice = (object["choices"] as? [[String: Any]])?.first,
                    let delta = choice["delta"] as? [String: Any]
                else { return nil }
                return delta["content"] as? String
            }.joined()
            #expect(content == MockResponses.text(tokens: 4))
        }
    }

    @Test func anthropicStreamsReportUsageInStartAndDelta() async throws {
        try await self.withMock { client, _ in
            let body = #"{"model":"claude","stream":true,"max_tokens":10,"messages":[]}"#
            let response = try await client.request("/v1/messages", headers: [("x-mock-tokens", "6")], body: body)
            #expect(response.text.contains("event: message_start"))
            #expect(response.text.contains(#""input_tokens":\#((body.utf8.count + 3) / 4)"#))
            #expect(response.text.contains(#""usage":{"output_tokens":6}"#))
            #expect(response.text.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
        }
    }

    @Test func embeddingsHonourBase64AndInputCount() async throws {
        try await self.withMock { client, _ in
            let floats = try await client.request("/v1/embeddings", body: #"{"model":"e","input":["a","b","c"]}"#)
            let data = try #require(floats.json["data"] as? [[String: Any]])
            #expect(data.count == 3)
            #expect((data[0]["embedding"] as? [Double])?.count == 64)
            let base64 = try await client.request(
                "/v1/embeddings",
                body: #"{"model":"e","input":"a","encoding_format":"base64"}"#
            )
            let encoded = try #require((base64.json["data"] as? [[String: Any]])?.first?["embedding"] as? String)
            #expect(Data(base64Encoded: encoded)?.count == 256)
        }
    }

    @Test func faultsBySelectedByModelOrHeader() async throws {
        try await self.withMock { client, _ in
            let byModel = try await client.request("/v1/chat/completions", body: #"{"model":"m;status=503"}"#)
            #expect(byModel.status == 503)
            let byHeader = try await client.request(
                "/v1/chat/completions",
                headers: [("x-mock-status", "429"), ("x-mock-retry-after", "3"), ("x-mock-retry-after-ms", "3000")],
                body: #"{"model":"m"}"#
            )
            #expect(byHeader.status == 429)
            #expect(byHeader.header("retry-after") == "3")
            #expect(byHeader.header("retry-after-ms") == "3000")
            let overloaded = try await client.request("/v1/messages", body: #"{"model":"m;status=529"}"#)
            #expect(overloaded.status == 529)
            #expect(overloaded.json["type"] as? String == "error")
        }
    }

    @Test func delayedHeadersResetsAndMalformedBodies() async throws {
        try await self.withMock { client, _ in
            let started = NIODeadline.now()
            let delayed = try await client.request("/v1/chat/completions", body: #"{"model":"m;header_delay_ms=150"}"#)
            #expect(delayed.status == 200)
            #expect(NIODeadline.now() - started >= .milliseconds(150))

            let reset = try await client.request("/v1/chat/completions", body: #"{"model":"m;reset_after=0"}"#)
            #expect(reset.status == 0)
            #expect(!reset.complete)

            let midStream = try await client.request(
                "/v1/chat/completions",
                body: #"{"model":"m;reset_after=2","stream":true}"#
            )
            #expect(midStream.status == 200)
            #expect(!midStream.complete)
            #expect(midStream.sseData.count == 2)

            let malformed = try await client.request("/v1/chat/completions", body: #"{"model":"m;malformed=true"}"#)
            #expect((try? JSONSerialization.jsonObject(with: Data(malformed.body))) == nil)
            let malformedStream = try await client.request(
                "/v1/chat/completions",
                body: #"{"model":"m;malformed=1","stream":true}"#
            )
            #expect(
                malformedStream.sseData.contains {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil && $0 != "[DONE]"
                }
            )
        }
    }

    @Test func pacingIsConfigurable() async throws {
        try await self.withMock { client, mock in
            let response = try await client.request(
                "/v1/chat/completions",
                headers: [("x-mock-interval-ms", "30")],
                body: #"{"model":"m;tokens=3","stream":true}"#
            )
            #expect(response.complete)
            let sent = try #require(mock.recorder.requests.last?.chunkSentAt)
            #expect(sent.count == 6)
            #expect(sent.last! - sent.first! >= .milliseconds(150))
        }
    }

    @Test func recordsRequestsAndConnections() async throws {
        try await self.withMock { client, mock in
            _ = try await client.request("/v1/chat/completions", headers: [("x-probe", "1")], body: #"{"model":"m"}"#)
            let listed = try await client.request("/mock/requests", method: .GET)
            let items = try #require(try JSONSerialization.jsonObject(with: Data(listed.body)) as? [[String: Any]])
            #expect(items.last?["body"] as? String == #"{"model":"m"}"#)
            #expect((items.last?["headers"] as? [String: String])?["x-probe"] == "1")
            let stats = try await client.request("/mock/stats", method: .GET)
            #expect(stats.json["requests"] as? Int == 1)
            #expect(mock.recorder.connectionsOpened == 3)
        }
    }

    @Test func behaviourParsing() {
        let defaults = MockBehavior(tokens: 8, intervalMs: 0)
        let parsed = MockBehavior.parse(
            model: "gpt-4o;status=429;retry_after=2;tokens=3",
            header: { $0 == "x-mock-interval-ms" ? "15" : nil },
            defaults: defaults
        )
        #expect(parsed.model == "gpt-4o")
        #expect(parsed.status == 429)
        #expect(parsed.retryAfter == "2")
        #expect(parsed.tokens == 3)
        #expect(parsed.intervalMs == 15)
        let headerWins = MockBehavior.parse(
            model: "m;tokens=3",
            header: { $0 == "x-mock-tokens" ? "9" : nil },
            defaults: defaults
        )
        #expect(headerWins.tokens == 9)
    }
}
