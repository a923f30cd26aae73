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

    /// An empty object whose closing brace comes in a later read gets the member without a stray comma.
    @Test func hookResultsGoIntoAnEmptyObjectSplitAcrossReads() {
        for parts in [["{", "}"], ["{ ", " }"], ["", "{}"], ["[1]"]] {
            var insert = HookResultsInsert(results: .object([("a", 1)]))
            var out: [UInt8] = []
            for part in parts { Array(part.utf8).withUnsafeBytes { insert.consume($0) { out += $0 } } }
            let text = String(decoding: out, as: UTF8.self)
            #expect(JSONValue(parsing: Array(text.utf8)) != nil, "\(parts) → \(text)")
            #expect(text.contains("hook_results") == (parts != ["[1]"]))
        }
    }

    /// A stream's text, read in each protocol as it is relayed in pieces.
    @Test func aStreamsTextIsGatheredInItsProtocol() {
        let streams: [(WireProtocol?, String)] = [
            (
                .openAIChat,
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                    + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\ndata: [DONE]\n\n"
            ),
            (
                .anthropicMessages,
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\nevent: content_block_delta\n"
                    + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n"
            ),
            (
                .openAIResponses,
                "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hel\"}\n\n"
                    + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"lo\"}\n\n"
            ),
            (nil, "data: {\"choices\":[{\"text\":\"Hel\"}]}\n\ndata: {\"choices\":[{\"text\":\"lo\"}]}\n\n"),
        ]
        for (wire, stream) in streams {
            var text = StreamedAnswerText(wire: wire)
            let bytes = Array(stream.utf8)
            // Split mid-event, as reads arrive.
            for part in [bytes[..<17], bytes[17...]] { Array(part).withUnsafeBytes { text.consume($0) } }
            #expect(text.text == "Hello", "\(String(describing: wire))")
        }
    }

    /// Hooks that could not see what they check fail closed: each check errs, a guardrail with deny denies.
    @Test func uncheckedHooksFailClosed() throws {
        let json = JSONValue(parsing: Array(#"{"id":"h","deny":true,"checks":[{"id":"default.notNull"}]}"#.utf8))!
        let hooks = try #require(try? ConfigHooks.hook(json, path: "h").get())
        let run = HookRunner.unchecked([hooks], reason: "too large", now: "t")
        #expect(run.denied)
        #expect(run.results.first?["verdict"]?.bool == false)
        #expect(run.results.first?["checks"]?.array?.first?["error"]?["message"]?.string == "too large")
        #expect(run.outcomes.first?.errored == true)
    }
}
