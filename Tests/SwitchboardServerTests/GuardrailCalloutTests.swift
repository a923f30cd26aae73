import Foundation
import NIOHTTP1
import SwitchboardCore
import SwitchboardMock
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// The `webhook` and `log` checks through real HTTP, with the mock as the webhook (docs/guardrails.md): the
/// webhook's verdict decides (deny → 446 and no model call), its timeout bounds the wait, `async` log calls never
/// delay the answer, and URLs the custom-host rules refuse are a 400 before anything is called.
@Suite(.serialized) struct GuardrailCalloutTests {
    static func config(_ fixture: GatewayFixture, _ hook: String) -> String {
        let hook = hook.replacingOccurrences(of: "MOCK", with: "127.0.0.1:\(fixture.mockClient.port)")
        return #"{"provider":"mock","input_guardrails":["# + hook + "]}"
    }

    static func paths(_ fixture: GatewayFixture) -> [String] { fixture.mock.recorder.requests.map(\.uri) }

    @Test func theWebhooksVerdictDecides() async throws {
        try await GatewayFixture.with { fixture in
            let config = Self.config(
                fixture,
                #"{"default.webhook":{"webhookURL":"http://MOCK/guardrail/webhook","headers":{"x-secret":"s3"}},"deny":true}"#
            )
            let denied = try await GuardrailTests.chat(fixture, "something forbidden", config: config)
            #expect(denied.status == 446, "\(denied.text)")
            #expect(Self.paths(fixture) == ["/guardrail/webhook"], "the webhook only: no model call")
            let call = try #require(fixture.mock.recorder.requests.first)
            #expect(call.header("x-secret") == "s3")
            let payload = try #require(JSONValue(parsing: Array(call.bodyString.utf8)))
            #expect(payload["eventType"]?.string == "beforeRequestHook")
            #expect(payload["request"]?["text"]?.string == "something forbidden")
            #expect(payload["request"]?["json"]?["model"]?.string == "mock-1")
            let allowed = try await GuardrailTests.chat(fixture, "something fine", config: config)
            #expect(allowed.status == 200, "\(allowed.text)")
            #expect(Self.paths(fixture).suffix(2) == ["/guardrail/webhook", "/v1/chat/completions"])
            let hook = ((allowed.json["hook_results"] as? [String: Any])?["before_request_hooks"] as? [[String: Any]])?
                .first
            #expect((hook?["checks"] as? [[String: Any]])?.first?["id"] as? String == "default.webhook")
        }
    }

    @Test func aSlowWebhookFailsAtItsTimeout() async throws {
        try await GatewayFixture.with { fixture in
            let config = Self.config(
                fixture,
                #"{"default.webhook":{"webhookURL":"http://MOCK/guardrail/slow","timeout":200},"deny":true}"#
            )
            let start = ContinuousClock.now
            let denied = try await GuardrailTests.chat(fixture, "hi", config: config)
            #expect(denied.status == 446)
            #expect(denied.text.contains("did not answer within 200 ms"), "\(denied.text)")
            #expect(ContinuousClock.now - start < .seconds(2), "not the webhook's own two seconds")
        }
    }

    @Test func anAsyncLogNeverDelaysTheAnswer() async throws {
        try await GatewayFixture.with { fixture in
            let config = Self.config(fixture, #"{"default.log":{"logURL":"http://MOCK/guardrail/log"},"async":true}"#)
            let answer = try await GuardrailTests.chat(fixture, "hi", config: config)
            #expect(answer.status == 200)
            try await FlowControlTests.eventually("the log call is made") {
                Self.paths(fixture).contains("/guardrail/log")
            }
            try await FlowControlTests.eventually("the log check is counted") {
                let metrics = try await fixture.client.request("/metrics", method: .GET).text
                return metrics.contains(#"switchboard_guardrail_checks_total{check="default.log",verdict="pass"} 1"#)
            }
        }
    }

    @Test func refusedURLsAndSyncOutputCallsAre400s() async throws {
        try await GatewayFixture.with { fixture in
            let metadata = Self.config(
                fixture,
                #"{"default.webhook":{"webhookURL":"http://169.254.169.254/latest/meta-data"},"deny":true}"#
            )
            let refused = try await GuardrailTests.chat(fixture, "hi", config: metadata)
            #expect(refused.status == 400)
            #expect(refused.text.contains("cloud metadata"), "\(refused.text)")
            let output =
                #"{"provider":"mock","output_guardrails":[{"default.webhook":{"webhookURL":"http://127.0.0.1:9/x"}}]}"#
            let sync = try await GuardrailTests.chat(fixture, "hi", config: output)
            #expect(sync.status == 400)
            #expect(sync.text.contains("async"), "\(sync.text)")
            let noURL = #"{"provider":"mock","input_guardrails":[{"default.webhook":{"webhookURL":"not a url"}}]}"#
            let bad = try await GuardrailTests.chat(fixture, "hi", config: noURL)
            #expect(bad.status == 400)
            #expect(bad.text.contains("input_guardrails[0].default.webhook"), "\(bad.text)")
            #expect(fixture.mock.recorder.requestCount == 0)
        }
    }
}
