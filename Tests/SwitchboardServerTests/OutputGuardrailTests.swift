import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardStore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// Output guardrails through real HTTP (docs/guardrails.md): a JSON answer is held until they judged it (deny →
/// 446 in its place, a failure without deny → 246 with the answer and `hook_results`); a stream is relayed as it
/// comes and ends with an `event: hook_results`; the results reach the request log and `/metrics`.
@Suite(.serialized) struct OutputGuardrailTests {
    /// The mock's answers say "Hello from the Switchboard mock provider. It …".
    static func noMock(deny: Bool, async: Bool = false) -> String {
        #"{"provider":"mock","output_guardrails":[{"default.regexMatch":{"rule":"mock provider","not":true},"#
            + #""deny":\#(deny),"async":\#(async)}]}"#
    }

    static func logged(_ fixture: GatewayFixture, _ response: TestResponse) async throws -> RequestLogRecord {
        let id = try #require(response.header("x-request-id"))
        var record: RequestLogRecord?
        try await FlowControlTests.eventually("the request is logged") {
            record = try await fixture.store!.requestLog(id: id)
            return record != nil
        }
        return try #require(record)
    }

    static func afterResults(_ json: [String: Any]) -> [[String: Any]] {
        ((json["hook_results"] as? [String: Any])?["after_request_hooks"] as? [[String: Any]]) ?? []
    }

    @Test func aDeniedAnswerIsReplacedBy446AndStillCounted() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            let denied = try await GuardrailTests.chat(fixture, "hi", config: Self.noMock(deny: true))
            #expect(denied.status == 446, "\(denied.text)")
            #expect((denied.json["error"] as? [String: Any])?["type"] as? String == "hooks_failed")
            #expect(denied.json["choices"] == nil, "the answer is not shown")
            let hook = try #require(Self.afterResults(denied.json).first)
            #expect(hook["verdict"] as? Bool == false)
            #expect(hook["deny"] as? Bool == true)
            // The provider answered (and was paid): the tokens are counted, the row says 446 with the results.
            #expect(fixture.mock.recorder.requestCount == 1)
            let record = try await Self.logged(fixture, denied)
            #expect(record.status == 446)
            #expect(record.completionTokens > 0)
            let results = try #require(record.hookResults)
            #expect(results.contains(#""after_request_hooks":[{"verdict":false"#), "\(results)")
            let metrics = try await fixture.client.request("/metrics", method: .GET).text
            #expect(metrics.contains("switchboard_guardrail_denials_total 1"))
        }
    }

    @Test func aFailureWithoutDenyIsA246WithTheAnswer() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            let answer = try await GuardrailTests.chat(fixture, "hi", config: Self.noMock(deny: false))
            #expect(answer.status == 246, "\(answer.text)")
            #expect(answer.header("content-length") == String(answer.body.count))
            let message = ((answer.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
            #expect((message?["content"] as? String)?.hasPrefix("Hello from the Switchboard") == true)
            #expect(Self.afterResults(answer.json).first?["verdict"] as? Bool == false)
            #expect(try await Self.logged(fixture, answer).status == 246)
            // Passing: 200, the answer with the results of both events (Portkey's shape).
            let passing =
                #"{"provider":"mock","input_guardrails":[{"default.wordCount":{"minWords":1,"maxWords":9}}],"#
                + #""output_guardrails":[{"default.regexMatch":{"rule":"mock provider"},"deny":true}]}"#
            let ok = try await GuardrailTests.chat(fixture, "hi", config: passing)
            #expect(ok.status == 200, "\(ok.text)")
            let results = try #require(ok.json["hook_results"] as? [String: Any])
            #expect((results["before_request_hooks"] as? [[String: Any]])?.first?["verdict"] as? Bool == true)
            #expect(Self.afterResults(ok.json).first?["verdict"] as? Bool == true)
            #expect((ok.json["usage"] as? [String: Any])?["total_tokens"] is Int)
        }
    }

    @Test func aStreamIsNotHeldAndEndsWithTheResults() async throws {
        try await GatewayFixture.with(storeKind: .sqlite) { fixture in
            let streamed = try await GuardrailTests.chat(
                fixture,
                "hi",
                config: Self.noMock(deny: true),
                stream: true
            )
            // Relayed as it came: the stream's own events, [DONE], then the results.
            #expect(streamed.status == 200)
            let events = streamed.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.dropLast().last == "data: [DONE]", "\(events.suffix(3))")
            let last = try #require(events.last)
            #expect(last.hasPrefix("event: hook_results\ndata: "), "\(last)")
            let data = try #require(last.split(separator: "\n").last?.dropFirst("data: ".count))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
            #expect(json["type"] as? String == "hook_results")
            #expect(Self.afterResults(json).first?["verdict"] as? Bool == false)
            #expect(streamed.chunks.count > 1, "streamed, not held")
            let record = try await Self.logged(fixture, streamed)
            #expect(record.hookResults?.contains(#""verdict":false"#) == true)
            #expect(record.completionTokens > 0)
            // An Anthropic stream is read in its own protocol: the check sees its text.
            let messages = try await fixture.client.request(
                "/v1/messages",
                headers: [("x-portkey-config", Self.noMock(deny: false))],
                body: #"{"model":"mock-1","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(messages.status == 200)
            #expect(messages.text.contains("event: message_stop"))
            let tail = try #require(messages.text.components(separatedBy: "event: hook_results\ndata: ").last)
            #expect(tail.contains(#""after_request_hooks":[{"verdict":false"#), "\(tail)")
        }
    }

    @Test func asyncOutputChecksDoNotChangeTheAnswer() async throws {
        try await GatewayFixture.with { fixture in
            let answer = try await GuardrailTests.chat(fixture, "hi", config: Self.noMock(deny: true, async: true))
            #expect(answer.status == 200, "\(answer.text)")
            #expect(Self.afterResults(answer.json).isEmpty)
            try await FlowControlTests.eventually("the async check is counted") {
                let metrics = try await fixture.client.request("/metrics", method: .GET).text
                return metrics.contains(
                    #"switchboard_guardrail_checks_total{check="default.regexMatch",verdict="fail"} 1"#
                )
            }
        }
    }

    /// An answer over the 16 MB output guardrails check fails them: denied, not let through unchecked.
    @Test func anAnswerTooLargeToCheckFailsClosed() async throws {
        try await GatewayFixture.with { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    ("x-portkey-config", Self.noMock(deny: true).replacingOccurrences(of: ",\"not\":true", with: ""))
                ],
                body: #"{"model":"mock-1;tokens=3300000","messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(response.status == 446)
            let check = (Self.afterResults(response.json).first?["checks"] as? [[String: Any]])?.first
            let error = (check?["error"] as? [String: Any])?["message"] as? String
            #expect(error?.contains("larger than 16 MB") == true, "\(response.text.prefix(600))")
        }
    }
}
