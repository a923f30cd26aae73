import Foundation
import NIOHTTP1
import SwitchboardMock
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// Input guardrails and mutators through real HTTP (docs/guardrails.md): deny → 446 and no upstream call (asserted
/// at the mock), a failure without deny → 246 with `hook_results`, redaction and prefixes change what the provider
/// receives, bad configs are 400s naming the field.
@Suite(.serialized) struct GuardrailTests {
    static func chat(
        _ fixture: GatewayFixture,
        _ content: String,
        config: String,
        stream: Bool = false
    ) async throws -> TestResponse {
        try await fixture.client.request(
            "/v1/chat/completions",
            headers: [("x-portkey-config", config)],
            body: #"{"model":"mock-1","stream":\#(stream),"messages":[{"role":"user","content":"\#(content)"}]}"#
        )
    }

    static let noCards =
        #"{"provider":"mock","input_guardrails":[{"default.regexMatch":{"rule":"\\d{16}","not":true},"deny":true}]}"#

    @Test func aDenyingGuardrailStopsTheRequestBeforeTheProvider() async throws {
        try await GatewayFixture.with { fixture in
            let denied = try await Self.chat(fixture, "my card is 4111111111111111", config: Self.noCards)
            #expect(denied.status == 446, "\(denied.text)")
            #expect(fixture.mock.recorder.requestCount == 0)
            let error = denied.json["error"] as? [String: Any]
            #expect(error?["type"] as? String == "hooks_failed")
            let results = (denied.json["hook_results"] as? [String: Any])?["before_request_hooks"] as? [[String: Any]]
            let hook = try #require(results?.first)
            #expect(hook["verdict"] as? Bool == false)
            #expect(hook["deny"] as? Bool == true)
            let check = try #require((hook["checks"] as? [[String: Any]])?.first)
            #expect(check["id"] as? String == "default.regexMatch")
            #expect(check["verdict"] as? Bool == false)
            // A request the guardrail lets through goes to the provider as usual.
            let allowed = try await Self.chat(fixture, "no numbers here", config: Self.noCards)
            #expect(allowed.status == 200)
            #expect(fixture.mock.recorder.requestCount == 1)
            let metrics = try await fixture.client.request("/metrics", method: .GET)
            #expect(metrics.text.contains("switchboard_guardrail_denials_total 1"), "\(metrics.text)")
            #expect(
                metrics.text.contains(
                    #"switchboard_guardrail_checks_total{check="default.regexMatch",verdict="fail"} 1"#
                )
            )
        }
    }

    @Test func aFailureWithoutDenyIsA246WithTheResults() async throws {
        try await GatewayFixture.with { fixture in
            let short = #"{"provider":"mock","input_guardrails":[{"default.wordCount":{"minWords":1,"maxWords":3}}]}"#
            let answer = try await Self.chat(fixture, "one two three four five", config: short)
            #expect(answer.status == 246, "\(answer.text)")
            #expect(fixture.mock.recorder.requestCount == 1)
            // The answer is the provider's, with the results in it; usage is intact.
            #expect((answer.json["choices"] as? [Any])?.count == 1, "\(answer.text)")
            #expect((answer.json["usage"] as? [String: Any])?["total_tokens"] is Int)
            let hooks = (answer.json["hook_results"] as? [String: Any])?["before_request_hooks"] as? [[String: Any]]
            #expect(hooks?.first?["verdict"] as? Bool == false)
            // A stream keeps its events; its status says the guardrail failed, its last event has the results.
            let streamed = try await Self.chat(fixture, "one two three four five", config: short, stream: true)
            #expect(streamed.status == 246)
            #expect(streamed.text.contains("data: [DONE]\n\nevent: hook_results\ndata: "), "\(streamed.text)")
            // Passing: a 200 with the results (as Portkey answers).
            let passing = try await Self.chat(fixture, "one two", config: short)
            #expect(passing.status == 200)
            let results = (passing.json["hook_results"] as? [String: Any])?["before_request_hooks"] as? [[String: Any]]
            #expect(results?.first?["verdict"] as? Bool == true)
        }
    }

    @Test func mutatorsChangeWhatTheProviderReceives() async throws {
        try await GatewayFixture.with { fixture in
            let redact =
                #"{"provider":"mock","input_mutators":[{"default.pii":{"redact":true}}],"#
                + #""input_guardrails":[{"default.addPrefix":{"prefix":"Answer briefly. "}}]}"#
            let answer = try await Self.chat(fixture, "write to ada@example.org", config: redact)
            #expect(answer.status == 200, "\(answer.text)")
            let sent = try #require(fixture.mock.recorder.requests.last?.bodyString)
            #expect(sent.contains("Answer briefly. write to [EMAIL_ADDRESS]"), "\(sent)")
            #expect(!sent.contains("ada@example.org"))
            // Without redaction the PII detector denies.
            let deny = #"{"provider":"mock","input_guardrails":[{"default.pii":{},"deny":true}]}"#
            #expect(try await Self.chat(fixture, "call +44 20 7946 0958", config: deny).status == 446)
            #expect(fixture.mock.recorder.requestCount == 1)
        }
    }

    @Test func badHookConfigsAre400sNamingTheField() async throws {
        try await GatewayFixture.with { fixture in
            let cases: [(String, String)] = [
                (#"{"provider":"mock","input_guardrails":[{"default.nope":{}}]}"#, "input_guardrails[0].default.nope"),
                (
                    #"{"provider":"mock","input_guardrails":[{"default.regexMatch":{"rule":"("}}]}"#,
                    "input_guardrails[0].default.regexMatch"
                ),
                (#"{"provider":"mock","input_guardrails":["guard_abc"]}"#, "input_guardrails[0]"),
                (
                    #"{"provider":"mock","before_request_hooks":[{"id":"h","checks":[{"parameters":{}}]}]}"#,
                    "before_request_hooks[0].checks[0].id"
                ),
                (
                    #"{"provider":"mock","output_guardrails":[{"default.nope":{}}]}"#,
                    "output_guardrails[0].default.nope"
                ),
            ]
            for (config, path) in cases {
                let response = try await Self.chat(fixture, "hi", config: config)
                #expect(response.status == 400, "\(config)")
                #expect(response.text.contains(path), "\(config): \(response.text)")
            }
            #expect(fixture.mock.recorder.requestCount == 0)
        }
    }
}
