import SwitchboardCore
import SwitchboardPrompts
import Testing

/// Prompt templates without sockets: Mustache in text mode, partials by slug and version, the missing
/// variables and unknown partials named, chat-message templates, hyperparameters over the version's own.
@Suite struct PromptRenderingTests {
    static func json(_ text: String) -> JSONValue { JSONValue(parsing: Array(text.utf8))! }

    static let partials: [PartialReference: String] = [
        PartialReference(slug: "tone"): "Answer {{style}}.",
        PartialReference(slug: "tone", version: 1): "Answer politely.",
        PartialReference(slug: "outer"): "{{>tone@1}} Be brief.",
        PartialReference(slug: "loop"): "{{>loop}}",
    ]

    static func render(_ template: String, _ variables: String = "{}") throws(PromptError) -> String {
        try PromptRenderer.render(
            PromptTemplate(template, name: "the prompt"),
            variables: Self.json(variables).members ?? [],
            partial: { Self.partials[$0] }
        )
    }

    @Test func variablesSectionsAndNoEscaping() throws {
        #expect(try Self.render("Hi {{name}}!", #"{"name":"Ada <3 & \"you\""}"#) == #"Hi Ada <3 & "you"!"#)
        #expect(try Self.render("{{user.name}} is {{age}}", #"{"user":{"name":"Ada"},"age":36}"#) == "Ada is 36")
        let list = "{{#items}}- {{.}}\n{{/items}}{{^empty}}none missing{{/empty}}"
        #expect(try Self.render(list, #"{"items":["a","b"]}"#) == "- a\n- b\nnone missing")
        // A section's own names need not be sent at the top.
        #expect(try Self.render("{{#docs}}{{title}}{{/docs}}", #"{"docs":[{"title":"x"},{"title":"y"}]}"#) == "xy")
    }

    @Test func partialsByDefaultAndByVersion() throws {
        #expect(try Self.render("{{>tone}}", #"{"style":"tersely"}"#) == "Answer tersely.")
        #expect(try Self.render("{{> tone@1 }}") == "Answer politely.")
        #expect(try Self.render("{{>outer}}") == "Answer politely. Be brief.")
    }

    @Test func problemsAreNamedAllAtOnce() {
        #expect(throws: PromptError.missingVariables(["name", "topic"])) {
            try Self.render("{{name}} on {{topic}} ({{name}})")
        }
        // A partial's variables are required too.
        #expect(throws: PromptError.missingVariables(["style"])) { try Self.render("{{>tone}}") }
        #expect(throws: PromptError.unknownPartials(["nope", "tone@7"])) { try Self.render("{{>nope}}{{>tone@7}}") }
        #expect(throws: PromptError.partialsTooDeep("loop")) { try Self.render("{{>loop}}") == "" }
        #expect(throws: PromptError.self) { try Self.render("{{#open}} never closed") }
        #expect(PromptError.missingVariables(["a"]).message.contains("Missing variables: a"))
    }

    @Test func aVersionRendersToAChatBody() throws {
        let version = Self.json(
            #"""
            {"string":"[{\"role\":\"system\",\"content\":\"You write {{style}}.\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"About {{topic}}\"}]}]",
             "model":"mock-1","parameters":{"temperature":0.2,"max_tokens":50},"tools":null}
            """#
        )
        let call = Self.json(
            #"{"variables":{"style":"haiku","topic":"the \"sea\"\n"},"max_tokens":9,"hyperparameters":{"top_p":0.5},"stream":true}"#
        )
        let body = try PromptRequest(version: version).body(call: call, partial: { _ in nil })
        #expect(body["model"]?.string == "mock-1")
        #expect(body["messages"]?.array?.first?["content"]?.string == "You write haiku.")
        #expect(body["messages"]?.array?.last?["content"]?.array?.first?["text"]?.string == "About the \"sea\"\n")
        #expect(body["temperature"]?.number == 0.2)
        #expect(body["max_tokens"]?.number == 9, "hyperparameters win")
        #expect(body["top_p"]?.number == 0.5)
        #expect(body["stream"]?.bool == true)
        #expect(body["variables"] == nil)
        #expect(body["tools"] == nil)
        // Plain text is one user message; every message's missing variables are named.
        let plain = try PromptRequest(version: Self.json(#"{"string":"Hello {{who}}"}"#))
            .body(call: Self.json(#"{"variables":{"who":"you"}}"#), partial: { _ in nil })
        #expect(plain["messages"] == Self.json(#"[{"role":"user","content":"Hello you"}]"#))
        #expect(throws: PromptError.missingVariables(["style", "topic"])) {
            try PromptRequest(version: version).body(call: Self.json("{}"), partial: { _ in nil })
        }
        #expect(
            throws: PromptError.invalid(field: "variables", reason: "must be an object of variable names to values")
        ) {
            try PromptRequest(version: version).body(call: Self.json(#"{"variables":[1]}"#), partial: { _ in nil })
        }
    }
}
