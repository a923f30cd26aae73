import Foundation
import SwitchboardCore
import Testing

/// Every provider stream into every other client protocol, without sockets: the translation is the same whatever
/// the pieces the provider's bytes arrive in (every size from 1 to 64 bytes, LF and CRLF line ends), carries the
/// text, reasoning, tool call and usage, and ends with the client protocol's own closing events.
struct StreamTranslationPropertyTests {
    /// One answer — reasoning "Hmm.", text "Hi there", a call of `f` with `{"a":1}`, 7 output tokens of 12 prompt
    /// tokens — as each provider streams it.
    static let streams: [WireProtocol: String] = [
        .openAIChat: [
            #"data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Hmm."}}]}"#,
            #"data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}"#,
            #"data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":" there"}}]}"#,
            #"data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{\"a\":"}}]}}]}"#,
            #"data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}"#,
            #"data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"data: {"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7}}"#,
            "data: [DONE]",
        ].map { $0 + "\n\n" }.joined(),
        .anthropicMessages: [
            "event: message_start\n"
                + #"data: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":12,"output_tokens":1}}}"#,
            #"data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
            #"data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}"#,
            #"data: {"type":"content_block_stop","index":0}"#,
            #"data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
            #"data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}"#,
            #"data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" there"}}"#,
            #"data: {"type":"content_block_stop","index":1}"#,
            #"data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_1","name":"f","input":{}}}"#,
            #"data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#,
            #"data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"1}"}}"#,
            #"data: {"type":"content_block_stop","index":2}"#,
            #"data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}"#,
            #"data: {"type":"message_stop"}"#,
        ].map { $0 + "\n\n" }.joined(),
        .openAIResponses: [
            #"data: {"type":"response.created","response":{"id":"resp_1","model":"m","status":"in_progress","output":[]}}"#,
            #"data: {"type":"response.output_item.added","output_index":0,"item":{"id":"rs_1","type":"reasoning","summary":[]}}"#,
            #"data: {"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Hmm."}"#,
            #"data: {"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi"}"#,
            #"data: {"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":" there"}"#,
            #"data: {"type":"response.output_item.added","output_index":2,"item":{"id":"fc_1","type":"function_call","call_id":"call_1","name":"f","arguments":""}}"#,
            #"data: {"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":2,"delta":"{\"a\":"}"#,
            #"data: {"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":2,"delta":"1}"}"#,
            #"data: {"type":"response.completed","response":{"id":"resp_1","status":"completed","usage":{"input_tokens":12,"output_tokens":7}}}"#,
        ].map { $0 + "\n\n" }.joined(),
        .gemini: [
            #"data: {"candidates":[{"content":{"parts":[{"text":"Hmm.","thought":true}],"role":"model"}}],"responseId":"g1","modelVersion":"m"}"#,
            #"data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"}}]}"#,
            #"data: {"candidates":[{"content":{"parts":[{"text":" there"},{"functionCall":{"name":"f","args":{"a":1}}}],"role":"model"}}]}"#,
            #"data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":7}}"#,
        ].map { $0 + "\r\n\r\n" }.joined(),
    ]

    static func translate(_ stream: String, _ pair: TranslationPair, pieces size: Int) -> String {
        var translator = ResponseTranslator(
            pair: pair,
            body: .stream,
            model: "m",
            estimatedInput: 3,
            includeUsage: true,
            created: 1
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

    static let pairs: [TranslationPair] = WireProtocol.allCases.flatMap { provider in
        WireProtocol.allCases.filter { $0 != provider }.map { TranslationPair(client: $0, provider: provider) }
    }

    @Test(arguments: pairs)
    func theSameTranslationWhateverTheByteBoundaries(pair: TranslationPair) throws {
        let stream = try #require(Self.streams[pair.provider])
        let whole = Self.translate(stream, pair, pieces: 1 << 20)
        for size in 1...64 {
            #expect(Self.translate(stream, pair, pieces: size) == whole, "pieces of \(size)")
        }
        let otherEnds =
            stream.contains("\r\n")
            ? stream.replacingOccurrences(of: "\r\n", with: "\n")
            : stream.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(Self.translate(otherEnds, pair, pieces: 5) == whole, "other line ends")
        // What every client must see: the text, the reasoning, the call, the counts, the proper end.
        for piece in ["Hi", " there", "Hmm."] { #expect(whole.contains(piece), "\(piece) in \(whole)") }
        #expect(whole.contains(#"\"a\":"#) || whole.contains(#""a":1"#), "the call's arguments")
        switch pair.client {
        case .openAIChat:
            #expect(whole.contains(#""finish_reason":"tool_calls""#))
            #expect(whole.contains(#""completion_tokens":7"#))
            #expect(whole.hasSuffix("data: [DONE]\n\n"))
        case .anthropicMessages:
            #expect(whole.contains(#""stop_reason":"tool_use""#))
            #expect(whole.contains(#""output_tokens":7}"#))
            #expect(whole.hasSuffix("event: message_stop\n" + #"data: {"type":"message_stop"}"# + "\n\n"))
        case .openAIResponses:
            #expect(whole.contains("event: response.completed\n"))
            #expect(whole.contains(#""output_tokens":7"#))
        case .gemini:
            #expect(whole.contains(#""finishReason":"STOP""#))
            #expect(whole.contains(#""candidatesTokenCount":7"#))
        }
    }
}

extension TranslationPair: CustomTestStringConvertible {
    public var testDescription: String { "\(self.provider.rawValue) → \(self.client.rawValue)" }
}
