import Foundation
import SwitchboardCore
import Testing

/// Anthropic Messages ↔ OpenAI chat, without sockets: the request read and written, a stream translated event by
/// event (the same output whatever the byte boundaries), a whole answer, and what is refused with its field.
struct TranslationTests {
    private static func json(_ text: String) -> JSONValue {
        guard let value = JSONValue(parsing: Array(text.utf8)) else { preconditionFailure("bad JSON: \(text)") }
        return value
    }

    @Test func anAnthropicRequestBecomesAChatRequest() throws {
        let body = Self.json(
            #"""
            {"model":"claude-x","max_tokens":300,"stream":true,"temperature":0.5,"stop_sequences":["END"],
             "system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Be kind."}],
             "thinking":{"type":"enabled","budget_tokens":2048},
             "metadata":{"user_id":"u-1"},
             "tools":[{"name":"weather","description":"Weather now","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Look:"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"text","text":"Checking."},
                 {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Oslo"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"-3 C"}]},{"type":"text","text":"Thanks"}]}
             ]}
            """#
        )
        let conversation = try AnthropicRequestReader.read(body)
        let chat = OpenAIChatWriter.body(conversation, model: "gpt-x")
        let expected = Self.json(
            #"""
            {"model":"gpt-x","max_tokens":300,"temperature":0.5,"stop":["END"],"user":"u-1",
             "messages":[
               {"role":"system","content":"Be brief.\n\nBe kind."},
               {"role":"user","content":[{"type":"text","text":"Look:"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}}]},
               {"role":"assistant","content":"Checking.","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}}]},
               {"role":"tool","tool_call_id":"toolu_1","content":"-3 C"},
               {"role":"user","content":"Thanks"}
             ],
             "tools":[{"type":"function","function":{"name":"weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":"required","parallel_tool_calls":false,
             "stream":true,"stream_options":{"include_usage":true}}
            """#
        )
        #expect(chat == expected, "\(chat.jsonText)")
    }

    /// OpenAI's reasoning models take `max_completion_tokens` and an effort, and no sampling settings.
    @Test func aReasoningModelGetsWhatItAccepts() throws {
        let body = Self.json(
            #"{"model":"c","max_tokens":300,"temperature":0.5,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[]}"#
        )
        let conversation = try AnthropicRequestReader.read(body)
        for model in ["gpt-5-mini", "o3", "openai/o4-mini"] {
            let chat = OpenAIChatWriter.body(conversation, model: model)
            #expect(chat["max_completion_tokens"] == 300 && chat["max_tokens"] == nil, "\(model)")
            #expect(chat["temperature"] == nil && chat["reasoning_effort"] == "low", "\(model)")
        }
        let classic = OpenAIChatWriter.body(conversation, model: "gpt-4.1")
        #expect(classic["max_tokens"] == 300 && classic["temperature"] == .number(0.5))
        #expect(classic["reasoning_effort"] == nil)
    }

    @Test(arguments: [
        (#"{"messages":[{"role":"robot","content":"x"}]}"#, "messages[0].role"),
        (#"{"messages":[{"role":"user","content":[{"type":"hologram"}]}]}"#, "messages[0].content[0].type"),
        (#"{"messages":[{"role":"user","content":[{"type":"text","text":5}]}]}"#, "messages[0].content[0].text"),
        (#"{"messages":[],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"#, "tools[0].type"),
        (#"{"messages":[],"tool_choice":{"type":"tool"}}"#, "tool_choice.name"),
        (#"{"messages":"hi"}"#, "messages"),
    ])
    func whatCannotBeTranslatedIsRefusedNamingTheField(body: String, field: String) {
        #expect(throws: GatewayError.self) { try AnthropicRequestReader.read(Self.json(body)) }
        do {
            _ = try AnthropicRequestReader.read(Self.json(body))
        } catch {
            #expect(error.param == field, "\(error.message)")
        }
    }

    /// A chat stream with reasoning, text, two tool calls in pieces, the finish reason and usage with cached
    /// tokens, as an OpenAI-compatible server sends it.
    static let chatStream = [
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Let me think"}}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"content":"Sure, "}}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"content":"checking \"Oslo\"."}}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"weather","arguments":""}}]}}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]}}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"time","arguments":"{}"}}]}}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        #"data: {"id":"c1","model":"gpt-x","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":100}}}"#,
        "data: [DONE]",
    ].map { $0 + "\n\n" }.joined()

    static func translate(_ stream: String, pieces size: Int, finish: Bool = true) -> String {
        var reader = OpenAIChatStreamReader()
        var writer = AnthropicStreamWriter(model: "claude-x", estimatedInput: 50)
        var out: [UInt8] = []
        let bytes = Array(stream.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            bytes[start..<end].withUnsafeBytes { piece in reader.consume(piece) { writer.write($0, into: &out) } }
            start = end
        }
        if finish { writer.finish(into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func aChatStreamBecomesAnAnthropicStream() {
        let translated = Self.translate(Self.chatStream, pieces: Self.chatStream.utf8.count)
        let events = translated.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let names = events.map { $0.split(separator: "\n")[0].dropFirst(7) }
        #expect(
            names == [
                "message_start",
                "content_block_start", "content_block_delta", "content_block_stop",  // thinking
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",  // text
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",  // tool a
                "content_block_start", "content_block_delta", "content_block_stop",  // tool b
                "message_delta", "message_stop",
            ]
        )
        #expect(translated.contains(#""usage":{"input_tokens":50,"output_tokens":1}"#), "an estimate, never 0/0")
        #expect(translated.contains(#""text":"checking \"Oslo\".""#))
        #expect(translated.contains(#"{"type":"tool_use","id":"call_a","name":"weather","input":{}}"#))
        #expect(translated.contains(#""partial_json":"{\"city\":""#))
        #expect(
            translated.contains(
                #"{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":30}"#
            ),
            "exact usage: input excludes the 100 cached tokens, which are cache reads"
        )
    }

    /// Property: the translation is the same whatever the pieces the stream arrives in.
    @Test func theSameEventsWhateverTheByteBoundaries() {
        let whole = Self.translate(Self.chatStream, pieces: Self.chatStream.utf8.count)
        for size in 1...64 {
            #expect(Self.translate(Self.chatStream, pieces: size) == whole, "pieces of \(size)")
        }
        let crlf = Self.chatStream.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(Self.translate(crlf, pieces: 7) == whole, "CRLF line ends")
    }

    @Test func aStreamCutShortEndsWithAnErrorEvent() {
        let cut = Self.chatStream.components(separatedBy: "\n\n").prefix(3).joined(separator: "\n\n") + "\n\n"
        let translated = Self.translate(cut, pieces: 5)
        #expect(
            translated.hasSuffix(
                #"event: error"# + "\n"
                    + #"data: {"type":"error","error":{"type":"api_error","message":"The provider's stream ended before the answer was complete."}}"#
                    + "\n\n"
            )
        )
        #expect(!translated.contains("message_stop"))
    }

    @Test func aWholeChatAnswerBecomesAnAnthropicMessage() {
        let answer = Self.json(
            #"""
            {"id":"chatcmpl-9","object":"chat.completion","model":"gpt-x",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Here.","tool_calls":[{"id":"call_z","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":10,"completion_tokens":4}}
            """#
        )
        let message = AnthropicMessageWriter.body(OpenAIChatStreamReader.answer(answer), model: "claude-x")
        let expected = Self.json(
            #"""
            {"id":"msg_chatcmpl-9","type":"message","role":"assistant","model":"claude-x",
             "content":[{"type":"text","text":"Here."},{"type":"tool_use","id":"call_z","name":"weather","input":{"city":"Rome"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":4}}
            """#
        )
        #expect(message == expected, "\(message.jsonText)")
    }
}
