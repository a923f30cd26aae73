import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// https upstreams: the mock serves TLS with a certificate from a private CA.
@Suite struct TLSUpstreamTests {
    static let mockTLS = MockServer.Configuration(
        tls: (TestCertificates.serverCertificatePEM, TestCertificates.serverPrivateKeyPEM)
    )

    @Test func relaysOverTLSWhenTheProviderTrustsTheCA() async throws {
        let yaml = """
            providers:
              secure:
                kind: openai
                base_url: https://localhost:{MOCK_PORT}/v1
                ca_file: {CA_FILE}
            """
        try await GatewayFixture.with(yaml: yaml, mockDefaults: Self.mockTLS) { fixture in
            for stream in [false, true] {
                let response = try await fixture.client.request(
                    "/v1/chat/completions",
                    body: #"{"model":"secure/m","stream":\#(stream),"messages":[]}"#
                )
                #expect(response.status == 200)
                #expect(response.complete)
            }
            // Both requests used one pooled TLS connection per event loop at most.
            #expect(fixture.mock.recorder.connectionsOpened <= 2)
            #expect(fixture.mock.recorder.requests.last?.header("host") == "localhost:\(fixture.mockClient.port)")
        }
    }

    @Test func anUntrustedCertificateIs502() async throws {
        let yaml = """
            providers:
              secure:
                kind: openai
                base_url: https://localhost:{MOCK_PORT}/v1
            """
        try await GatewayFixture.with(yaml: yaml, mockDefaults: Self.mockTLS) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"secure/m","messages":[]}"#
            )
            #expect(response.status == 502)
            let message = (response.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("Provider 'secure' could not be reached"))
            #expect(fixture.mock.recorder.requestCount == 0)
        }
    }

    @Test func aMissingCAFileStopsTheStart() async throws {
        let yaml = """
            providers:
              secure:
                kind: openai
                base_url: https://localhost:1/v1
                ca_file: /nonexistent/ca.pem
            """
        await #expect(throws: GatewayStartError.self) {
            try await GatewayFixture.with(yaml: yaml) { _ in }
        }
    }
}
