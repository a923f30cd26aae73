import Foundation
import SwitchboardCore
import Testing

/// OpenAI chat client ↔ Anthropic Messages provider, without sockets: the chat request written as a Messages
/// body, an Anthropic stream translated into chat chunks (the same whatever the byte boundaries), a whole message,
/// a cut stream, provider errors in the client's shape.
struct ChatClientTranslationTests {
    private static func json(_ text: String) -> JSONValue {
        guard let value = JSONValue(parsing: Array(text.utf8)) else { preconditionFailure("bad JSON: \(text)") }
        return value
    }

    @Test func aChatRequestBecomesAMessagesRequest() throws {
        let body = Self.json(
            #"""
            {"model":"gpt-x","stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"stop":"END",
             "reasoning_effort":"low","user":"u-1","parallel_tool_calls":false,
             "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],
             "tool_choice":{"type":"function","function":{"name":"weather"}},
             "messages":[
               {"role":"system","content":"Be brief."},
               {"role":"developer","content":[{"type":"text","text":"Be kind."}]},
               {"role":"user","content":[{"type":"text","text":"Look:"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}}]},
               {"role":"assistant","content":null,"thinking_blocks":[{"type":"thinking","thinking":"hmm","signature":"sig"}],
                "tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}},
                              {"id":"call_2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","content":"-3 C"},
               {"role":"tool","tool_call_id":"call_2","content":"20 C"},
               {"role":"user","content":"Thanks"}
             ]}
            """#
        )
        let conversation = try OpenAIChatRequestReader.read(body)
        #expect(conversation.includeUsage)
        let messages = AnthropicRequestWriter.body(conversation, model: "claude-x")
        let expected = Self.json(
            #"""
            {"model":"claude-x","max_tokens":4096,"system":"Be brief.\n\nBe kind.","stop_sequences":["END"],
             "thinking":{"type":"enabled","budget_tokens":2048},"metadata":{"user_id":"u-1"},"stream":true,
             "tools":[{"name":"weather","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"tool","name":"weather","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Look:"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},
                 {"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Oslo"}},
                 {"type":"tool_use","id":"call_2","name":"weather","input":{"city":"Rome"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":[{"type":"text","text":"-3 C"}]},
                 {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"20 C"}]},
                 {"type":"text","text":"Thanks"}]}
             ]}
            """#
        )
        #expect(messages == expected, "\(messages.jsonText)")
    }

    @Test(arguments: [
        (
            #"{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}"#,
            "messages[0].content[0].type"
        ),
        (#"{"messages":[{"role":"function","content":"x"}]}"#, "messages[0].role"),
        (#"{"messages":[],"n":2}"#, "n"),
        (#"{"messages":[],"stop":[1]}"#, "stop"),
        (#"{"messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id"),
        (
            #"{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"f-1"}}]}]}"#,
            "messages[0].content[0].file.file_data"
        ),
    ])
    func whatCannotBeTranslatedIsRefusedNamingTheField(body: String, field: String) {
        #expect(throws: GatewayError.self) { try OpenAIChatRequestReader.read(Self.json(body)) }
        do {
            _ = try OpenAIChatRequestReader.read(Self.json(body))
        } catch {
            #expect(error.param == field, "\(error.message)")
            #expect(error.status == 400)
        }
    }

    static let anthropicStream = [
        #"event: message_start"# + "\n"
            + #"data: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":20,"cache_read_input_tokens":100,"output_tokens":1}}}"#,
        "event: ping\n" + #"data: {"type":"ping"}"#,
        #"data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        #"data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}"#,
        #"data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}"#,
        #"data: {"type":"content_block_stop","index":0}"#,
        #"data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
        #"data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking \"Oslo\"."}}"#,
        #"data: {"type":"content_block_stop","index":1}"#,
        #"data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_a","name":"weather","input":{}}}"#,
        #"data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}"#,
        #"data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"Oslo\"}"}}"#,
        #"data: {"type":"content_block_stop","index":2}"#,
        #"data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}}"#,
        #"data: {"type":"message_stop"}"#,
    ].map { $0 + "\n\n" }.joined()

    static let pair = TranslationPair(endpoint: .chatCompletions, kind: .anthropic)!

    static func translate(_ stream: String, pieces size: Int, body: ResponseTranslator.Body = .stream) -> String {
        var translator = ResponseTranslator(
            pair: Self.pair,
            body: body,
            model: "gpt-x",
            estimatedInput: 50,
            includeUsage: true,
            created: 7
        )
        var out: [UInt8] = []
        let bytes = Array(stream.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            bytes[start..<end].withUnsafeBytes { piece in translator.consume(piece) { out += $0 } }
            start = end
        }
        translator.finish { out += $0 }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func anAnthropicStreamBecomesChatChunks() {
        let translated = Self.translate(Self.anthropicStream, pieces: 1 << 20)
        let deltas = translated.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            String(event.dropFirst(6))
        }
        let prefix = #"{"id":"msg_1","object":"chat.completion.chunk","created":7,"model":"gpt-x","choices":"#
        #expect(
            deltas == [
                prefix + #"[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
                prefix + #"[{"index":0,"delta":{"reasoning_content":"hmm"},"finish_reason":null}]}"#,
                prefix
                    + #"[{"index":0,"delta":{"thinking_blocks":[{"type":"thinking","thinking":"","signature":"sig"}]},"finish_reason":null}]}"#,
                prefix + #"[{"index":0,"delta":{"content":"Checking \"Oslo\"."},"finish_reason":null}]}"#,
                prefix
                    + #"[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_a","type":"function","function":{"name":"weather","arguments":""}}]},"finish_reason":null}]}"#,
                prefix
                    + #"[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}"#,
                prefix
                    + #"[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]},"finish_reason":null}]}"#,
                prefix + #"[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
                prefix
                    + #"[],"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":0}}}"#,
                "[DONE]",
            ],
            "\(translated)"
        )
    }

    /// Property: the translation is the same whatever the pieces the stream arrives in.
    @Test func theSameChunksWhateverTheByteBoundaries() {
        let whole = Self.translate(Self.anthropicStream, pieces: 1 << 20)
        for size in 1...64 {
            #expect(Self.translate(Self.anthropicStream, pieces: size) == whole, "pieces of \(size)")
        }
        let crlf = Self.anthropicStream.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(Self.translate(crlf, pieces: 5) == whole, "CRLF line ends")
    }

    @Test func aStreamCutShortEndsWithAnErrorChunk() {
        let cut = Self.anthropicStream.components(separatedBy: "\n\n").prefix(8).joined(separator: "\n\n") + "\n\n"
        let translated = Self.translate(cut, pieces: 3)
        #expect(
            translated.hasSuffix(
                #"data: {"error":{"message":"The provider's stream ended before the answer was complete.","type":"upstream_error","param":null,"code":"stream_interrupted"}}"#
                    + "\n\n"
            )
        )
        #expect(!translated.contains("[DONE]"))
    }

    @Test func aWholeMessageBecomesAChatCompletion() {
        let message = #"""
            {"id":"msg_9","type":"message","model":"claude-x","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},
             {"type":"text","text":"Here."},{"type":"tool_use","id":"toolu_z","name":"weather","input":{"city":"Rome"}}],
             "stop_reason":"tool_use","usage":{"input_tokens":10,"cache_creation_input_tokens":5,"output_tokens":4}}
            """#
        let translated = Self.json(Self.translate(message, pieces: 9, body: .json))
        let expected = Self.json(
            #"""
            {"id":"msg_9","object":"chat.completion","created":7,"model":"gpt-x",
             "choices":[{"index":0,"logprobs":null,"finish_reason":"tool_calls","message":{"role":"assistant","content":"Here.",
               "reasoning_content":"hmm","thinking_blocks":[{"type":"thinking","thinking":"hmm","signature":"sig"}],
               "tool_calls":[{"id":"toolu_z","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]}}],
             "usage":{"prompt_tokens":15,"completion_tokens":4,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":0},
               "completion_tokens_details":{"reasoning_tokens":0}}}
            """#
        )
        #expect(translated == expected, "\(translated.jsonText)")
    }

    @Test func providerErrorsTakeTheClientsShape() {
        let anthropic = #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
        let shaped = String(
            decoding: Array(Self.translate(anthropic, pieces: 4, body: .error(status: 529)).utf8),
            as: UTF8.self
        )
        #expect(
            Self.json(shaped)
                == Self.json(#"{"error":{"message":"Overloaded","type":"overloaded_error","param":null,"code":null}}"#)
        )
        let reverse = TranslationPair(endpoint: .messages, kind: .openai)!
        var translator = ResponseTranslator(
            pair: reverse,
            body: .error(status: 401),
            model: "m",
            estimatedInput: 1,
            includeUsage: false,
            created: 0
        )
        var out: [UInt8] = []
        Array(#"{"error":{"message":"Bad key","type":"invalid_request_error","code":"invalid_api_key"}}"#.utf8)
            .withUnsafeBytes { translator.consume($0) { out += $0 } }
        translator.finish { out += $0 }
        #expect(
            Self.json(String(decoding: out, as: UTF8.self))
                == Self.json(#"{"type":"error","error":{"type":"authentication_error","message":"Bad key"}}"#)
        )
        // Not JSON at all (a proxy's HTML page): its text, in the client's shape.
        #expect(ProviderError.read(Array("<html>502</html>".utf8), status: 502).message == "<html>502</html>")
    }
}
