import NIOHTTP1
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Target selection through headers, inline configs and provider keys.
@Suite struct RoutingTests {
    /// `keyed` is an OpenAI-kind provider with its own key, `open` one without; both point at the mock.
    static let yaml = """
        providers:
          keyed:
            kind: openai
            base_url: http://{MOCK}/v1
            api_key: ${TEST_KEY}
            headers: {x-extra: yes-please}
          open:
            kind: openai
            base_url: http://{MOCK}/v1
          claude:
            kind: anthropic
            base_url: http://{MOCK}/v1
            api_key: sk-ant-config
        """

    @Test func providerKeyReplacesTheClientsAuthorization() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            _ = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("authorization", "Bearer sk-client")],
                body: #"{"model":"keyed/m","messages":[]}"#
            )
            let received = try #require(fixture.mock.recorder.requests.last)
            #expect(received.header("authorization") == "Bearer sk-test-from-env")
            #expect(received.header("x-extra") == "yes-please")
        }
    }

    @Test func clientAuthorizationPassesThroughWithoutAProviderKey() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            _ = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("authorization", "Bearer sk-client")],
                body: #"{"model":"open/m","messages":[]}"#
            )
            #expect(fixture.mock.recorder.requests.last?.header("authorization") == "Bearer sk-client")
        }
    }

    @Test func anthropicProvidersGetTheirHeaders() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/messages",
                headers: [("x-api-key", "sk-client")],
                body: #"{"model":"claude/claude-x","max_tokens":5,"messages":[]}"#
            )
            #expect(response.status == 200)
            let received = try #require(fixture.mock.recorder.requests.last)
            #expect(received.header("x-api-key") == "sk-ant-config")
            #expect(received.header("anthropic-version") == "2023-06-01")
            #expect(received.header("authorization") == nil)
        }
    }

    @Test func portkeyProviderAndCustomHostHeaders() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    ("x-portkey-provider", "openai"),
                    ("x-portkey-custom-host", "http://\("127.0.0.1:\(fixture.mockClient.port)")/v1"),
                    ("authorization", "Bearer sk-own"), ("connection", "keep-alive"), ("keep-alive", "timeout=5"),
                ],
                body: #"{"model":"gpt-4o","messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(response.header("x-portkey-provider") == "openai")
            let received = try #require(fixture.mock.recorder.requests.last)
            #expect(received.header("authorization") == "Bearer sk-own")
            #expect(received.bodyString == #"{"model":"gpt-4o","messages":[]}"#)
            #expect(received.header("keep-alive") == nil)
            #expect(received.headers.allSatisfy { !$0.0.lowercased().hasPrefix("x-portkey-") })
        }
    }

    @Test func unsafeCustomHostsAreRefused() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-provider", "openai"), ("x-portkey-custom-host", "http://169.254.169.254/v1")],
                body: #"{"model":"gpt-4o","messages":[]}"#
            )
            #expect(response.status == 400)
            #expect(response.json["status"] as? String == "failure")
            #expect((response.json["message"] as? String)?.hasPrefix("Invalid custom host") == true)
        }
    }

    @Test func inlineConfigSelectsTheTargetAndOverridesParams() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let config =
                #"{"provider":"open","api_key":"sk-inline","override_params":{"temperature":0.1,"max_tokens":7}}"#
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", config)],
                body: #"{"model":"m","temperature":1.5,"messages":[]}"#
            )
            #expect(response.status == 200)
            let received = try #require(fixture.mock.recorder.requests.last)
            #expect(received.bodyString == #"{"model":"m","temperature":0.1,"messages":[],"max_tokens":7}"#)
            #expect(received.header("authorization") == "Bearer sk-inline")
        }
    }

    @Test func inlineConfigRequestTimeoutApplies() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    ("x-portkey-config", #"{"provider":"open","request_timeout":150}"#),
                    ("x-mock-header-delay-ms", "2000"),
                ],
                body: #"{"model":"m","messages":[]}"#
            )
            // Portkey's 408 for request_timeout (504 is for the server-wide response timeout).
            #expect(response.status == 408)
            #expect(response.json["error"].flatMap { ($0 as? [String: Any])?["type"] as? String } == "timeout_error")
        }
    }

    @Test func badConfigsGetPortkeysFailureBody() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", "{not json")],
                body: #"{"model":"m","messages":[]}"#
            )
            #expect(response.status == 400)
            #expect(response.json["status"] as? String == "failure")
            #expect(response.json["message"] as? String == "Invalid config passed. You need to pass a valid json")
        }
    }
}
