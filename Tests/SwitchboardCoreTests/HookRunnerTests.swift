import Testing

@testable import SwitchboardCore

/// Hooks read from configs and run without sockets: Portkey's result objects, deny and non-deny failures, and
/// transformations seen by the hooks after them.
@Suite struct HookRunnerTests {
    static func config(_ text: String) throws -> PortkeyConfig {
        try PortkeyConfig.parse(text: text)
    }

    @Test func shorthandAndFullHooksAreRead() throws {
        let config = try Self.config(
            #"{"provider":"openai","input_guardrails":[{"regexMatch":{"rule":"x"},"deny":true,"id":"g1"}],"#
                + #""before_request_hooks":[{"id":"h2","type":"mutator","checks":[{"id":"default.addPrefix","#
                + #""parameters":{"prefix":"p"},"is_enabled":false}]}]}"#
        )
        let hooks = try #require(config.hooks.before)
        #expect(hooks.map(\.id).sorted() == ["g1", "h2"])
        let guardrail = try #require(hooks.first { $0.id == "g1" })
        #expect(guardrail.deny && guardrail.kind == .guardrail && guardrail.checks.first?.check == .regexMatch)
        let mutator = try #require(hooks.first { $0.id == "h2" })
        #expect(mutator.kind == .mutator && mutator.checks.first?.isEnabled == false)
    }

    @Test func resultsAreAsPortkeyReportsThem() throws {
        let hooks = try #require(
            try Self.config(
                #"{"provider":"openai","input_guardrails":[{"default.addPrefix":{"prefix":"Hello "}},"#
                    + #"{"default.regexMatch":{"rule":"^Hello"},"deny":true,"on_fail":{"feedback":{"value":-1}}},"#
                    + #"{"default.wordCount":{"minWords":5,"maxWords":9}}]}"#
            ).hooks.before
        )
        let context = GuardrailContext(
            requestType: "chatComplete",
            request: JSONValue(parsing: Array(#"{"messages":[{"role":"user","content":"world"}]}"#.utf8))!
        )
        let run = HookRunner.run(hooks, event: .beforeRequest, context: context, now: "2026-12-03T00:00:00.000Z")
        // The prefix is seen by the regex after it: not denied; the word count fails without deny.
        #expect(!run.denied)
        #expect(run.failed)
        #expect(run.request?["messages"]?.array?.first?["content"]?.string == "Hello world")
        #expect(run.results.count == 3)
        let wordCount = run.results[2]
        #expect(wordCount["verdict"]?.bool == false)
        #expect(wordCount["type"]?.string == "guardrail")
        #expect(wordCount["checks"]?.array?.first?["id"]?.string == "default.wordCount")
        #expect(wordCount["feedback"]?["metadata"]?["failedChecks"]?.string == "default.wordCount")
        let denied = HookRunner.run(
            [hooks[1]],
            event: .beforeRequest,
            context: context,
            now: "2026-12-03T00:00:00.000Z"
        )
        #expect(denied.denied)
        #expect(denied.results.first?["feedback"]?["value"]?.number == -1)
        let body = HookRunner.deniedBody(before: denied.results)
        #expect(body["error"]?["type"]?.string == "hooks_failed")
        #expect(body["hook_results"]?["after_request_hooks"]?.array?.isEmpty == true)
    }

    @Test func hookResultsGoIntoAJSONAnswer() {
        var insert = HookResultsInsert(results: HookRunner.hookResults(before: []))
        var out: [UInt8] = []
        for part in [" {\"id\"", ":1}"] {
            Array(part.utf8).withUnsafeBytes { insert.consume($0) { out += $0 } }
        }
        #expect(
            String(decoding: out, as: UTF8.self)
                == #" {"hook_results":{"before_request_hooks":[],"after_request_hooks":[]},"id":1}"#
        )
    }
}
