import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardTestSupport
import Testing

@Suite struct ShutdownTests {
    /// SIGTERM-style shutdown lets a stream in flight finish and refuses new connections.
    @Test func inFlightStreamsFinishAfterShutdownBegins() async throws {
        try await GatewayFixture.with { fixture in
            async let streamed = fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-interval-ms", "100"), ("x-mock-tokens", "5")],
                body: #"{"model":"mock/x","stream":true,"messages":[]}"#
            )
            // Wait until the stream is under way.
            #expect(await fulfilled { await fixture.mock.recorder.waitUntil { $0.chunksSentToLatest > 0 } })
            await fixture.gateway.shutdown()
            let response = try await streamed
            #expect(response.complete)
            #expect(response.sseData.last == "[DONE]")
            await #expect(throws: (any Error).self) {
                _ = try await fixture.client.request("/healthz", method: .GET)
            }
        }
    }
}
