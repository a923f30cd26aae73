import Testing

@testable import SwitchboardCore

/// Every check of Portkey's open-source set, with passing and failing inputs and its `not`, without sockets.
@Suite struct GuardrailCheckTests {
    static func json(_ text: String) -> JSONValue { JSONValue(parsing: Array(text.utf8))! }

    static func chat(_ user: String, model: String = "gpt-4o") -> GuardrailContext {
        GuardrailContext(
            requestType: "chatComplete",
            request: .object([
                ("model", .string(model)),
                ("messages", .array([.object([("role", "user"), ("content", .string(user))])])),
            ])
        )
    }

    static func answer(_ text: String) -> GuardrailContext {
        var context = Self.chat("question")
        context.response = .object([
            ("choices", .array([.object([("message", .object([("role", "assistant"), ("content", .string(text))]))])]))
        ])
        return context
    }

    /// The verdict of `check` with `parameters` on the request's text, and with `not: true`.
    static func verdicts(
        _ check: GuardrailCheck,
        _ parameters: String,
        _ context: GuardrailContext,
        _ event: HookEvent
    )
        -> (Bool, Bool)
    {
        let plain = check.run(Self.json(parameters), context, event)
        var inverted = Self.json(parameters).members ?? []
        inverted.append(("not", .bool(true)))
        let not = check.run(.object(inverted), context, event)
        return (plain.verdict, not.verdict)
    }

    @Test func idsAreReadAsPortkeySpellsThem() {
        #expect(GuardrailCheck(id: "default.regexMatch") == .regexMatch)
        #expect(GuardrailCheck(id: "regexMatch") == .regexMatch)
        #expect(GuardrailCheck(id: "default.modelwhitelist") == .modelWhitelist)
        #expect(GuardrailCheck(id: "default.modelWhitelist") == .modelWhitelist)
        #expect(GuardrailCheck(id: "portkey.pii") == .pii)
        #expect(GuardrailCheck(id: "portkey.moderateContent") == nil)
        #expect(GuardrailCheck(id: "default.nope") == nil)
        #expect(GuardrailCheck.modelWhitelist.id == "default.modelwhitelist")
    }

    @Test func textChecksPassFailAndInvert() {
        let hello = Self.chat("Hello there. My card is 4111. Is it fine?")
        let cases: [(GuardrailCheck, String, GuardrailContext, (Bool, Bool))] = [
            (.regexMatch, #"{"rule":"\\d{4}"}"#, hello, (true, false)),
            (.regexMatch, #"{"rule":"^bye"}"#, hello, (false, true)),
            (.sentenceCount, #"{"minSentences":2,"maxSentences":3}"#, hello, (true, false)),
            (.sentenceCount, #"{"minSentences":4,"maxSentences":9}"#, hello, (false, true)),
            (.wordCount, #"{"minWords":1,"maxWords":9}"#, hello, (true, false)),
            (.wordCount, #"{"minWords":1,"maxWords":3}"#, hello, (false, true)),
            (.characterCount, #"{"minCharacters":1,"maxCharacters":100}"#, hello, (true, false)),
            (.characterCount, #"{"minCharacters":1,"maxCharacters":10}"#, hello, (false, true)),
            (.alluppercase, #"{}"#, Self.chat("SHOUT, 42!"), (true, false)),
            (.alluppercase, #"{}"#, hello, (false, true)),
            (.alllowercase, #"{}"#, Self.chat("quiet 42"), (true, false)),
            (.alllowercase, #"{}"#, hello, (false, true)),
            (.endsWith, #"{"suffix":"fine?"}"#, hello, (true, false)),
            (.endsWith, #"{"suffix":"Done"}"#, Self.chat("All Done."), (true, false)),
            (.endsWith, #"{"suffix":"nope"}"#, hello, (false, true)),
        ]
        for (check, parameters, context, expected) in cases {
            let got = Self.verdicts(check, parameters, context, .beforeRequest)
            #expect(got == expected, "\(check) \(parameters)")
        }
        // `contains` has an operator instead of `not`.
        let answer = Self.answer("The sky is blue and the grass is green.")
        func contains(_ words: String, _ op: String) -> Bool {
            GuardrailCheck.contains.run(Self.json(#"{"words":\#(words),"operator":"\#(op)"}"#), answer, .afterRequest)
                .verdict
        }
        #expect(contains(#"["blue","red"]"#, "any"))
        #expect(!contains(#"["red"]"#, "any"))
        #expect(contains(#"["blue","green"]"#, "all"))
        #expect(!contains(#"["blue","red"]"#, "all"))
        #expect(contains(#"["red"]"#, "none"))
        #expect(!contains(#"["blue"]"#, "none"))
        // A check without text to read reports an error, and fails.
        let empty = GuardrailCheck.wordCount.run(
            Self.json(#"{"minWords":0,"maxWords":9}"#),
            Self.chat(""),
            .beforeRequest
        )
        #expect(!empty.verdict && empty.error != nil)
    }

    @Test func urlsAndCodeInTheAnswer() {
        let good = Self.answer("See https://example.com/docs and http://10.0.0.1:8080/x.")
        #expect(Self.verdicts(.validUrls, "{}", good, .afterRequest) == (true, false))
        let bad = Self.answer("See https://exa mple and https://-bad-.com/")
        #expect(Self.verdicts(.validUrls, "{}", bad, .afterRequest) == (false, true))
        #expect(!GuardrailCheck.validUrls.run(Self.json("{}"), Self.answer("no links"), .afterRequest).verdict)
        let code = Self.answer("Here:\n```py\nprint(1)\n```\n")
        #expect(Self.verdicts(.containsCode, #"{"format":"Python"}"#, code, .afterRequest) == (true, false))
        #expect(Self.verdicts(.containsCode, #"{"format":"SQL"}"#, code, .afterRequest) == (false, true))
        #expect(
            Self.verdicts(.containsCode, #"{"format":"SQL"}"#, Self.answer("plain"), .afterRequest) == (false, true)
        )
    }

    @Test func jsonInTheAnswer() {
        let fenced = Self.answer("Result:\n```json\n{\"name\": \"Ada\", \"age\": 36}\n```")
        let schema = #"{"schema":{"type":"object","required":["name","age"],"properties":{"age":{"type":"integer"}}}}"#
        #expect(Self.verdicts(.jsonSchema, schema, fenced, .afterRequest) == (true, false))
        let wrong = Self.answer(#"Sure: {"name": "Ada", "age": "old"} and {"x": {"y": 1}}"#)
        #expect(Self.verdicts(.jsonSchema, schema, wrong, .afterRequest) == (false, true))
        #expect(Self.verdicts(.jsonSchema, schema, Self.answer("no json"), .afterRequest) == (false, true))
        func keys(_ keys: String, _ op: String, _ context: GuardrailContext) -> Bool {
            GuardrailCheck.jsonKeys.run(Self.json(#"{"keys":\#(keys),"operator":"\#(op)"}"#), context, .afterRequest)
                .verdict
        }
        #expect(keys(#"["name","age"]"#, "all", fenced))
        #expect(!keys(#"["name","email"]"#, "all", fenced))
        #expect(keys(#"["email","age"]"#, "any", fenced))
        #expect(keys(#"["email"]"#, "none", fenced))
        #expect(!keys(#"["name"]"#, "none", fenced))
        // The balanced object is found, braces in strings included.
        #expect(keys(#"["x"]"#, "all", Self.answer(#"text {"x": "a } b", "y": {"z": 1}} more"#)))
    }

    @Test func requestChecks() {
        let context = GuardrailContext(
            requestType: "chatComplete",
            request: Self.json(#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#),
            metadata: [("team", "search"), ("user", "ada")]
        )
        #expect(
            Self.verdicts(.modelWhitelist, #"{"models":["gpt-4o","o3"]}"#, context, .beforeRequest) == (true, false)
        )
        #expect(Self.verdicts(.modelWhitelist, #"{"models":["o3"]}"#, context, .beforeRequest) == (false, true))
        let rules = #"{"rules":{"defaults":["o3"],"metadata":{"team":{"search":["gpt-4o"]}}}}"#
        #expect(Self.verdicts(.modelRules, rules, context, .beforeRequest) == (true, false))
        let other = #"{"rules":{"defaults":["gpt-4o"],"metadata":{"team":{"ads":["o3"]}}}}"#
        #expect(Self.verdicts(.modelRules, other, context, .beforeRequest) == (true, false))
        let denied = #"{"rules":{"defaults":["o3"],"metadata":{"team":{"ads":["gpt-4o"]}}}}"#
        #expect(Self.verdicts(.modelRules, denied, context, .beforeRequest) == (false, true))
        func metadata(_ keys: String, _ op: String) -> Bool {
            GuardrailCheck.requiredMetadataKeys.run(
                Self.json(#"{"metadataKeys":\#(keys),"operator":"\#(op)"}"#),
                context,
                .beforeRequest
            ).verdict
        }
        #expect(metadata(#"["team","user"]"#, "all"))
        #expect(!metadata(#"["team","env"]"#, "all"))
        #expect(metadata(#"["env","user"]"#, "any"))
        #expect(metadata(#"["env"]"#, "none"))
        func types(_ parameters: String) -> Bool {
            GuardrailCheck.allowedRequestTypes.run(Self.json(parameters), context, .beforeRequest).verdict
        }
        #expect(types(#"{"allowedTypes":["chatComplete","embed"]}"#))
        #expect(!types(#"{"allowedTypes":["embed"]}"#))
        #expect(!types(#"{"blockedTypes":"chatComplete, embed"}"#))
        #expect(types(#"{}"#))
        #expect(Self.verdicts(.notNull, "{}", Self.answer("text"), .afterRequest) == (true, false))
        #expect(Self.verdicts(.notNull, "{}", Self.answer("  "), .afterRequest) == (false, true))
    }

    @Test func addPrefixWritesIntoTheUsersMessage() throws {
        let context = GuardrailContext(
            requestType: "chatComplete",
            request: Self.json(
                #"{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"hi"}]}"#
            )
        )
        let added = GuardrailCheck.addPrefix.run(Self.json(#"{"prefix":"Be kind. "}"#), context, .beforeRequest)
        #expect(added.verdict)
        let messages = try #require(added.transformedRequest?["messages"]?.array)
        #expect(messages[1]["content"]?.string == "Be kind. hi")
        let own = GuardrailCheck.addPrefix.run(
            Self.json(#"{"prefix":"Rules","applyToRole":"system","addToExisting":false}"#),
            context,
            .beforeRequest
        )
        #expect(
            own.transformedRequest?["messages"]?.array?.map { $0["content"]?.string ?? "" } == ["Rules", "sys", "hi"]
        )
        let skipped = GuardrailCheck.addPrefix.run(
            Self.json(#"{"prefix":"x","onlyIfEmpty":true}"#),
            context,
            .beforeRequest
        )
        #expect(skipped.transformedRequest == nil)
    }

    @Test func piiIsFoundAndRedacted() throws {
        let text =
            "Mail ada@example.org or call +44 20 7946 0958; card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32,"
            + " key sk-proj-abcdefghijklmnopqrstuvwx. Order 12345, year 2024, card 4111 1111 1111 1112."
        let found = PIIDetector.findings(in: text).map(\.category)
        #expect(found == [.email, .phone, .creditCard, .iban, .apiKey], "\(found)")
        #expect(
            PIIDetector.redacting(text, categories: Set(PIIDetector.Category.allCases))
                == "Mail [EMAIL_ADDRESS] or call [PHONE_NUMBER]; card [CREDIT_CARD], IBAN [IBAN], key [API_KEY]."
                + " Order 12345, year 2024, card 4111 1111 1111 1112."
        )
        let context = Self.chat("my mail is ada@example.org")
        let denied = GuardrailCheck.pii.run(Self.json("{}"), context, .beforeRequest)
        #expect(!denied.verdict)
        let redacted = GuardrailCheck.pii.run(Self.json(#"{"redact":true}"#), context, .beforeRequest)
        #expect(redacted.verdict)
        let content = try #require(redacted.transformedRequest?["messages"]?.array?.first?["content"]?.string)
        #expect(content == "my mail is [EMAIL_ADDRESS]")
        // Only the categories asked for.
        #expect(GuardrailCheck.pii.run(Self.json(#"{"categories":["phone"]}"#), context, .beforeRequest).verdict)
        #expect(GuardrailCheck.pii.run(Self.json("{}"), Self.chat("nothing here"), .beforeRequest).verdict)
    }

    /// On the answer: a JSON answer's PII is redacted (the mutator's change); a stream's text, sent already, fails.
    @Test func piiInTheAnswerIsRedactedOrReported() throws {
        var context = Self.answer("Write to ada@example.org today.")
        context.response = context.response.map { answer in
            .object((answer.members ?? []) + [("id", "chatcmpl-ada@example.org-is-not-text")])
        }
        let redacted = GuardrailCheck.pii.run(Self.json(#"{"redact":true}"#), context, .afterRequest)
        #expect(redacted.verdict)
        let changed = try #require(redacted.transformedResponse)
        #expect(changed["choices"]?.array?.first?["message"]?["content"]?.string == "Write to [EMAIL_ADDRESS] today.")
        #expect(changed["choices"]?.array?.first?["message"]?["role"]?.string == "assistant")
        #expect(changed["id"]?.string == "chatcmpl-ada@example.org-is-not-text", "only texts are redacted")
        var streamed = Self.chat("question")
        streamed.responseText = "Write to ada@example.org today."
        let reported = GuardrailCheck.pii.run(Self.json(#"{"redact":true}"#), streamed, .afterRequest)
        #expect(!reported.verdict)
        #expect(reported.transformedResponse == nil)
        #expect(reported.data?["redacted"]?.bool == false)
    }

    @Test func badParametersAreNamed() {
        #expect(GuardrailCheck.regexMatch.problem(in: Self.json(#"{"rule":"("}"#))?.contains("rule") == true)
        #expect(GuardrailCheck.wordCount.problem(in: Self.json(#"{"minWords":1}"#))?.contains("maxWords") == true)
        #expect(GuardrailCheck.contains.problem(in: Self.json(#"{"words":["a"],"operator":"some"}"#)) != nil)
        #expect(GuardrailCheck.pii.problem(in: Self.json(#"{"categories":["dna"]}"#)) != nil)
        #expect(GuardrailCheck.regexMatch.problem(in: Self.json(#"{"rule":"a+"}"#)) == nil)
    }
}
