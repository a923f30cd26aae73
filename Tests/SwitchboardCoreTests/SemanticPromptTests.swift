import Testing

@testable import SwitchboardCore

/// Which prompts the semantic cache matches by meaning, and what of the body must still be identical.
@Suite struct SemanticPromptTests {
    static func extract(_ endpoint: Endpoint, _ body: String, multiTurn: Bool = false) -> SemanticPrompt? {
        SemanticPrompt.extract(endpoint: endpoint, body: JSONValue(parsing: Array(body.utf8))!, multiTurn: multiTurn)
    }

    @Test func aChatsSystemPromptAndOneUserMessage() throws {
        let prompt = try #require(
            Self.extract(
                .chatCompletions,
                #"{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be brief."},"#
                    + #"{"role":"user","content":[{"type":"text","text":"Capital"},{"type":"text","text":"of France?"}]}]}"#
            )
        )
        #expect(prompt.text == "Be brief.\nCapital\nof France?")
        // The rest keeps every other field, so a different temperature or model is a different scope.
        #expect(prompt.rest == JSONValue(parsing: Array(#"{"model":"m","temperature":0}"#.utf8))!)
    }

    @Test func conversationsAreMatchedOnlyWhenAskedTo() throws {
        let body =
            #"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},"#
            + #"{"role":"user","content":"capital of France?"}]}"#
        #expect(Self.extract(.chatCompletions, body) == nil)
        let prompt = try #require(Self.extract(.chatCompletions, body, multiTurn: true))
        #expect(prompt.text == "user: hi\nassistant: hello\nuser: capital of France?")
        // The last turn must be the user's.
        #expect(
            Self.extract(.chatCompletions, #"{"messages":[{"role":"assistant","content":"x"}]}"#, multiTurn: true)
                == nil
        )
    }

    @Test func promptsThatAreNotTextAreNotMatched() {
        let image =
            #"{"messages":[{"role":"user","content":[{"type":"text","text":"what is this"},"#
            + #"{"type":"image_url","image_url":{"url":"data:x"}}]}]}"#
        #expect(Self.extract(.chatCompletions, image) == nil)
        #expect(Self.extract(.chatCompletions, #"{"messages":[{"role":"user","content":null}]}"#) == nil)
        #expect(Self.extract(.chatCompletions, #"{"messages":[]}"#) == nil)
        #expect(Self.extract(.embeddings, #"{"input":"hi"}"#) == nil)
    }

    @Test func messagesResponsesAndCompletions() throws {
        let messages = try #require(
            Self.extract(
                .messages,
                #"{"model":"c","max_tokens":9,"system":"Be brief.","messages":[{"role":"user","content":"Hi"}]}"#
            )
        )
        #expect(messages.text == "Be brief.\nHi")
        #expect(messages.rest == JSONValue(parsing: Array(#"{"model":"c","max_tokens":9}"#.utf8))!)
        let responses = try #require(Self.extract(.responses, #"{"model":"r","instructions":"Brief.","input":"Hi"}"#))
        #expect(responses.text == "Brief.\nHi")
        let items = try #require(
            Self.extract(
                .responses,
                #"{"input":[{"role":"user","content":[{"type":"input_text","text":"Hi"}]}]}"#
            )
        )
        #expect(items.text == "Hi")
        // A response that continues another is a conversation the body does not show.
        #expect(Self.extract(.responses, #"{"input":"Hi","previous_response_id":"resp_1"}"#) == nil)
        #expect(Self.extract(.responses, #"{"input":[{"type":"function_call_output","output":"x"}]}"#) == nil)
        #expect(Self.extract(.completions, #"{"prompt":"Once upon"}"#)?.text == "Once upon")
    }
}
