import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Portkey strategies run by the gateway against the real mock with injected faults. Targets tell themselves
/// apart by the model they send (`override_params.model`), which also carries the mock's fault options.
@Suite struct StrategyTests {
    static let yaml = """
        providers:
          mock:
            kind: mock
          alt:
            kind: openai
            base_url: http://{MOCK}/v1
        default_route: {provider: mock}
        routing:
          retry: {initial_backoff_ms: 10, max_backoff_ms: 40}
        configs:
          resilient:
            strategy: {mode: fallback}
            targets:
              - {provider: mock, override_params: {model: "first;status=503"}}
              - {provider: alt, override_params: {model: second}}
        """

    static func config(_ json: String) -> (String, String) { ("x-portkey-config", json) }

    /// The models the mock received, in order.
    static func models(_ fixture: GatewayFixture) -> [String] {
        fixture.mock.recorder.requests.map { request in
            let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            return json?["model"] as? String ?? "?"
        }
    }

    @Test func fallbackMovesToTheNextTarget() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock","override_params":{"model":"a;status=503"}},{"provider":"alt","override_params":{"model":"b"}}]}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(Self.models(fixture) == ["a;status=503", "b"])
            #expect(response.header("x-portkey-last-used-option-index") == "config.targets[1]")
            #expect(response.header("x-portkey-provider") == "alt")
            #expect(response.header("x-portkey-retry-attempt-count") == "0")
        }
    }

    @Test func configTargetsMapTheBodysModelPerRequest() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            // The same config twice (the second run reuses the loop's plan) with different models.
            let config = Self.config(
                #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock"},{"provider":"alt"}]}"#
            )
            for model in ["mock/one", "@mock/two", "three"] {
                let response = try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: [config],
                    body: #"{"model":"\#(model)","messages":[]}"#
                )
                #expect(response.status == 200)
            }
            #expect(Self.models(fixture) == ["one", "two", "three"])
        }
    }

    @Test func aStatusNotListedDoesNotFallBack() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"strategy":{"mode":"fallback","on_status_codes":[429,503]},"targets":[{"provider":"mock","override_params":{"model":"a;status=400"}},{"provider":"alt"}]}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(response.status == 400)
            #expect(Self.models(fixture) == ["a;status=400"])
            #expect(response.header("x-portkey-last-used-option-index") == "config.targets[0]")
        }
    }

    @Test func connectionFailuresFallBack() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"openai","custom_host":"http://127.0.0.1:1/v1"},{"provider":"alt","override_params":{"model":"b"}}]}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(Self.models(fixture) == ["b"])
        }
    }

    @Test func everyTargetFailingReturnsTheLastError() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock","override_params":{"model":"a;status=500"}},{"provider":"openai","custom_host":"http://127.0.0.1:1/v1"}]}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(response.status == 502)
            #expect(response.header("x-portkey-last-used-option-index") == "config.targets[1]")
            #expect(response.header("x-portkey-provider") == "openai")
            #expect(response.header("x-portkey-trace-id") != nil)
        }
    }

    @Test func retriesAreMadeAndCounted() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let recovered = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"provider":"mock","retry":{"attempts":3},"override_params":{"model":"r;status=503;fail_first=2"}}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(recovered.status == 200)
            #expect(recovered.header("x-portkey-retry-attempt-count") == "2")
            #expect(Self.models(fixture).count == 3)
            fixture.mock.recorder.reset()
            let exhausted = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"provider":"mock","retry":{"attempts":2},"override_params":{"model":"e;status=500"}}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(exhausted.status == 500)
            #expect(exhausted.header("x-portkey-retry-attempt-count") == "-1")
            #expect(Self.models(fixture).count == 3)
        }
    }

    @Test func retryAfterIsHonouredAndCapped() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let waited = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"provider":"mock","retry":{"attempts":2,"use_retry_after_header":true},"override_params":{"model":"w;status=429;retry_after_ms=300;fail_first=1"}}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(waited.status == 200)
            #expect(waited.header("x-portkey-retry-attempt-count") == "1")
            let times = fixture.mock.recorder.requests.map(\.receivedAt)
            #expect(times.count == 2)
            if times.count == 2 { #expect(times[1] - times[0] >= .milliseconds(300)) }
            fixture.mock.recorder.reset()
            // Beyond the 60 s budget: no retry at all, count -1.
            let capped = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"provider":"mock","retry":{"attempts":2,"use_retry_after_headers":true},"override_params":{"model":"c;status=429;retry_after=120"}}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(capped.status == 429)
            #expect(capped.header("x-portkey-retry-attempt-count") == "-1")
            #expect(fixture.mock.recorder.requests.count == 1)
        }
    }

    @Test func loadBalancingFollowsWeights() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let config = Self.config(
                #"{"strategy":{"mode":"loadbalance"},"targets":[{"provider":"mock","weight":3},{"provider":"alt","weight":1}]}"#
            )
            var counts: [String: Int] = [:]
            for _ in 0..<400 {
                let response = try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: [config],
                    body: #"{"model":"x","messages":[]}"#
                )
                counts[response.header("x-portkey-last-used-option-index") ?? "?", default: 0] += 1
            }
            // 300 expected; three standard deviations is ±26.
            #expect((270...330).contains(counts["config.targets[0]"] ?? 0), "\(counts)")
            #expect((counts["config.targets[0]"] ?? 0) + (counts["config.targets[1]"] ?? 0) == 400)
        }
    }

    @Test func conditionalRoutingReadsMetadataAndParams() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let config = Self.config(
                #"{"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.tier":"paid"},"then":"big"},{"query":{"params.max_tokens":{"$gte":1000}},"then":"long"}],"default":"small"},"targets":[{"name":"big","provider":"mock","override_params":{"model":"big"}},{"name":"long","provider":"mock","override_params":{"model":"long"}},{"name":"small","provider":"alt","override_params":{"model":"small"}}]}"#
            )
            for (metadata, body) in [
                (#"{"tier":"paid"}"#, #"{"model":"x","messages":[]}"#),
                ("{}", #"{"model":"x","max_tokens":4000,"messages":[]}"#),
                (#"{"tier":"free"}"#, #"{"model":"x","max_tokens":10,"messages":[]}"#),
            ] {
                let response = try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: [config, ("x-portkey-metadata", metadata)],
                    body: body
                )
                #expect(response.status == 200)
            }
            #expect(Self.models(fixture) == ["big", "long", "small"])
            let unmatched = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.tier":"paid"},"then":"big"}]},"targets":[{"name":"big","provider":"mock"}]}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(unmatched.status == 400)
            #expect(unmatched.json["status"] as? String == "failure")
        }
    }

    @Test func timeoutsAre408UnlessAFallbackRecovers() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let timedOut = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(#"{"provider":"mock","request_timeout":100}"#), ("x-mock-header-delay-ms", "1500"),
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(timedOut.status == 408)
            #expect(timedOut.text.contains("Request exceeded the timeout sent in the request: 100ms"))
            let byHeader = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-request-timeout", "100"), ("x-mock-header-delay-ms", "1500")],
                body: #"{"model":"mock/x","messages":[]}"#
            )
            #expect(byHeader.status == 408)
            fixture.mock.recorder.reset()
            let recovered = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock","request_timeout":100,"override_params":{"model":"slow;header_delay_ms=1500"}},{"provider":"alt","override_params":{"model":"fast"}}]}"#
                    )
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(recovered.status == 200)
            #expect(recovered.header("x-portkey-provider") == "alt")
        }
    }

    @Test func streamsFallBackBeforeTheFirstByte() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            for failing in ["a;status=503", "a;reset_after=0"] {
                let response = try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: [
                        Self.config(
                            #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock","override_params":{"model":"\#(failing)"}},{"provider":"alt","override_params":{"model":"b"}}]}"#
                        )
                    ],
                    body: #"{"model":"x","stream":true,"messages":[]}"#
                )
                #expect(response.status == 200, "\(failing)")
                #expect(response.complete)
                #expect(response.sseData.last == "[DONE]")
                #expect(response.header("x-portkey-provider") == "alt")
            }
        }
    }

    @Test func aStreamThatFailsAfterOutputBeganEndsWithAnErrorEvent() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(
                        #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"mock","override_params":{"model":"a;reset_after=2;interval_ms=5"}},{"provider":"alt"}]}"#
                    )
                ],
                body: #"{"model":"x","stream":true,"messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(!response.complete)
            #expect(response.sseData.last?.contains(#""code":"stream_interrupted""#) == true)
            // No fallback once output began.
            #expect(Self.models(fixture) == ["a;reset_after=2;interval_ms=5"])
        }
    }

    @Test func circuitBreakerOpensAndRecovers() async throws {
        let clock = TestClock()
        try await GatewayFixture.with(yaml: Self.yaml, circuitClock: clock.circuitClock) { fixture in
            let config = Self.config(
                #"{"strategy":{"mode":"fallback"},"cb_config":{"failure_threshold":2,"cooldown_interval":3000},"targets":[{"provider":"mock","override_params":{"model":"flaky;status=500;fail_first=2"}},{"provider":"alt","override_params":{"model":"backup"}}]}"#
            )
            func send() async throws -> String? {
                let response = try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: [config],
                    body: #"{"model":"x","messages":[]}"#
                )
                #expect(response.status == 200)
                return response.header("x-portkey-provider")
            }
            #expect(try await send() == "alt")
            #expect(try await send() == "alt")
            // Open: the flaky target is skipped, not called.
            let before = Self.models(fixture).count
            #expect(try await send() == "alt")
            #expect(Self.models(fixture).dropFirst(before) == ["backup"])
            let metrics = try await fixture.client.request("/metrics", method: .GET).text
            #expect(metrics.contains(#"switchboard_circuit_breaker_state{target="mock/flaky;status=500;fail_first=2@"#))
            #expect(metrics.contains("switchboard_circuit_breaker_skips_total"))
            #expect(metrics.contains(#"switchboard_fallbacks_total{provider="mock"} 2"#))
            // After the cooldown one probe goes through; it succeeds and closes the circuit.
            #expect(try await send() == "alt")
            clock.advance(milliseconds: 3_000)
            #expect(try await send() == "mock")
            #expect(try await send() == "mock")
        }
    }

    @Test func configsFromTheConfigFileAreUsedBySlug() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", "resilient")],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(Self.models(fixture) == ["first;status=503", "second"])
            let unknown = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-config", "pc-nope")],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(unknown.status == 400)
            #expect((unknown.json["message"] as? String)?.contains("Defined configs: resilient") == true)
        }
    }

    @Test func invalidConfigsNameEachProblem() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(#"{"strategy":{"mode":"loadbalance"},"targets":[{"provider":"mock","weight":"x"},{}]}"#)
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(response.status == 400)
            #expect(response.json["status"] as? String == "failure")
            let errors = response.json["errors"] as? [String] ?? []
            #expect(errors.count == 2, "\(errors)")
            #expect(errors.first?.hasPrefix("path: targets[0].weight") == true)
        }
    }

    @Test func openRouterModelsListFallsBackAndIsNotSentUpstream() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                "/api/v1/chat/completions",
                body:
                    #"{"model":"mock/a;status=503","models":["alt/b"],"provider":{"allow_fallbacks":true},"messages":[]}"#
            )
            #expect(response.status == 200)
            #expect(Self.models(fixture) == ["a;status=503", "b"])
            #expect(response.header("x-portkey-last-used-option-index") == "models[1]")
            let body = fixture.mock.recorder.requests.last?.bodyString ?? ""
            #expect(body == #"{"model":"b","messages":[]}"#)
        }
    }

    @Test func forwardHeadersReachTheProvider() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            _ = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    Self.config(#"{"provider":"mock","forward_headers":["x-portkey-metadata"]}"#),
                    ("x-portkey-metadata", #"{"team":"a"}"#),
                ],
                body: #"{"model":"x","messages":[]}"#
            )
            #expect(fixture.mock.recorder.requests.last?.header("x-portkey-metadata") == #"{"team":"a"}"#)
            for (name, value) in [
                ("x-portkey-forward-headers", "x-a, x-portkey-forward-headers"), ("x-portkey-request-timeout", "soon"),
            ] {
                let refused = try await fixture.client.request(
                    "/v1/chat/completions",
                    headers: [(name, value)],
                    body: #"{"model":"mock/x","messages":[]}"#
                )
                #expect(refused.status == 400, "\(name)")
                #expect((refused.json["message"] as? String)?.isEmpty == false)
            }
        }
    }
}
