import Foundation
import SwitchboardCore

/// The bodies the mock sends, in OpenAI and Anthropic shapes, with deterministic content and usage:
/// `prompt_tokens` = ceil(request body bytes / 4), `completion_tokens` = the behaviour's token count, and
/// token *i* of the completion is `MockResponses.word(i)`.
public enum MockResponses {
    static let words = ["Hello", " from", " the", " Switchboard", " mock", " provider", ".", " It"]

    /// The text of token `index`.
    public static func word(_ index: Int) -> String { Self.words[index % Self.words.count] }

    /// The whole completion text for `tokens` tokens: the words' cycle repeated, so that texts of millions of
    /// tokens (the flow-control tests' megabytes) are made at memory speed.
    public static func text(tokens: Int) -> String {
        let cycles = tokens / Self.words.count
        var text = String(repeating: Self.words.joined(), count: cycles)
        for index in 0..<(tokens - cycles * Self.words.count) { text += Self.words[index] }
        return text
    }

    /// Prompt tokens the mock reports for a request body of `bodyBytes` bytes.
    public static func promptTokens(bodyBytes: Int) -> Int { (bodyBytes + 3) / 4 }

    struct Context {
        var id: String
        var model: String
        var created: Int
        var promptTokens: Int
        var completionTokens: Int
        var includeUsage: Bool
        var cachedTokens = 0

        var modelJSON: String { JSONString.quote(self.model) }
        var usageJSON: String {
            let cached =
                self.cachedTokens > 0 ? #","prompt_tokens_details":{"cached_tokens":\#(self.cachedTokens)}"# : ""
            return
                #"{"prompt_tokens":\#(self.promptTokens),"completion_tokens":\#(self.completionTokens),"total_tokens":\#(self.promptTokens + self.completionTokens)\#(cached)}"#
        }
        /// Anthropic's cache member, when tokens were read from the cache.
        var anthropicCache: String { self.cachedTokens > 0 ? #","cache_read_input_tokens":\#(self.cachedTokens)"# : "" }
    }

    // MARK: - OpenAI chat

    static func chatCompletion(_ c: Context) -> String {
        #"{"id":"\#(c.id)","object":"chat.completion","created":\#(c.created),"model":\#(c.modelJSON),"choices":[{"index":0,"message":{"role":"assistant","content":\#(JSONString.quote(text(tokens: c.completionTokens)))},"logprobs":null,"finish_reason":"stop"}],"usage":\#(c.usageJSON),"system_fingerprint":null}"#
    }

    static func chatChunk(_ c: Context, delta: String, finish: String? = nil) -> String {
        let finishJSON = finish.map { "\"\($0)\"" } ?? "null"
        return
            #"data: {"id":"\#(c.id)","object":"chat.completion.chunk","created":\#(c.created),"model":\#(c.modelJSON),"choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finishJSON)}]}"#
            + "\n\n"
    }

    /// SSE event `index` of a chat stream (each a complete `data: …\n\n`), or `nil` past the end. Built one at a
    /// time, so a stream of a million tokens costs nothing up front.
    static func chatEvent(_ c: Context, _ index: Int) -> String? {
        let tokens = c.completionTokens
        switch index {
        case 0: return chatChunk(c, delta: #"{"role":"assistant","content":""}"#)
        case 1...tokens: return chatChunk(c, delta: #"{"content":\#(JSONString.quote(word(index - 1)))}"#)
        case tokens + 1: return chatChunk(c, delta: "{}", finish: "stop")
        case tokens + 2 where c.includeUsage:
            return
                #"data: {"id":"\#(c.id)","object":"chat.completion.chunk","created":\#(c.created),"model":\#(c.modelJSON),"choices":[],"usage":\#(c.usageJSON)}"#
                + "\n\n"
        case tokens + (c.includeUsage ? 3 : 2): return "data: [DONE]\n\n"
        default: return nil
        }
    }

    // MARK: - OpenAI completions

    static func completion(_ c: Context) -> String {
        #"{"id":"\#(c.id)","object":"text_completion","created":\#(c.created),"model":\#(c.modelJSON),"choices":[{"text":\#(JSONString.quote(text(tokens: c.completionTokens))),"index":0,"logprobs":null,"finish_reason":"stop"}],"usage":\#(c.usageJSON),"system_fingerprint":null}"#
    }

    static func completionEvent(_ c: Context, _ index: Int) -> String? {
        let tokens = c.completionTokens
        switch index {
        case 0..<tokens:
            let finish = index == tokens - 1 ? "\"stop\"" : "null"
            return
                #"data: {"id":"\#(c.id)","object":"text_completion","created":\#(c.created),"model":\#(c.modelJSON),"choices":[{"text":\#(JSONString.quote(word(index))),"index":0,"logprobs":null,"finish_reason":\#(finish)}]}"#
                + "\n\n"
        case tokens where c.includeUsage:
            return
                #"data: {"id":"\#(c.id)","object":"text_completion","created":\#(c.created),"model":\#(c.modelJSON),"choices":[],"usage":\#(c.usageJSON)}"#
                + "\n\n"
        case tokens + (c.includeUsage ? 1 : 0): return "data: [DONE]\n\n"
        default: return nil
        }
    }

    // MARK: - Embeddings

    /// One vector per input (``MockEmbedding``); base64 (little-endian float32) when asked, as the OpenAI Python
    /// SDK does by default.
    static func embeddings(model: String, inputs: [String], promptTokens: Int, base64: Bool) -> String {
        func encoded(_ vector: [Float]) -> String {
            guard base64 else { return "[" + vector.map { "\($0)" }.joined(separator: ",") + "]" }
            var data = Data()
            for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            return "\"" + data.base64EncodedString() + "\""
        }
        let items = (inputs.isEmpty ? [""] : inputs).enumerated().map { index, text in
            #"{"object":"embedding","index":\#(index),"embedding":\#(encoded(MockEmbedding.vector(text)))}"#
        }
        return
            #"{"object":"list","data":[\#(items.joined(separator: ","))],"model":\#(JSONString.quote(model)),"usage":{"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens)}}"#
    }

    static let models =
        #"{"object":"list","data":[{"id":"mock-1","object":"model","created":0,"owned_by":"switchboard-mock"},{"id":"mock-2","object":"model","created":0,"owned_by":"switchboard-mock"}]}"#

    // MARK: - Anthropic messages

    static func message(_ c: Context) -> String {
        #"{"id":"\#(c.id)","type":"message","role":"assistant","model":\#(c.modelJSON),"content":[{"type":"text","text":\#(JSONString.quote(text(tokens: c.completionTokens)))}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":\#(c.promptTokens),"output_tokens":\#(c.completionTokens)\#(c.anthropicCache)}}"#
    }

    static func messageEvent(_ c: Context, _ index: Int) -> String? {
        func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }
        let tokens = c.completionTokens
        switch index {
        case 0:
            return event(
                "message_start",
                #"{"type":"message_start","message":{"id":"\#(c.id)","type":"message","role":"assistant","model":\#(c.modelJSON),"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(c.promptTokens),"output_tokens":1\#(c.anthropicCache)}}}"#
            )
        case 1:
            return event(
                "content_block_start",
                #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#
            )
        case 2..<(tokens + 2):
            return event(
                "content_block_delta",
                #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(JSONString.quote(word(index - 2)))}}"#
            )
        case tokens + 2: return event("content_block_stop", #"{"type":"content_block_stop","index":0}"#)
        case tokens + 3:
            return event(
                "message_delta",
                #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":\#(c.completionTokens)}}"#
            )
        case tokens + 4: return event("message_stop", #"{"type":"message_stop"}"#)
        default: return nil
        }
    }

    // MARK: - Responses API

    static func response(_ c: Context) -> String {
        #"{"id":"\#(c.id)","object":"response","created_at":\#(c.created),"status":"completed","model":\#(c.modelJSON),"output":[{"type":"message","id":"msg_\#(c.id)","status":"completed","role":"assistant","content":[{"type":"output_text","text":\#(JSONString.quote(text(tokens: c.completionTokens))),"annotations":[]}]}],"usage":{"input_tokens":\#(c.promptTokens),"input_tokens_details":{"cached_tokens":\#(c.cachedTokens)},"output_tokens":\#(c.completionTokens),"total_tokens":\#(c.promptTokens + c.completionTokens)}}"#
    }

    /// Event `index` of a Responses stream, as OpenAI sends it: the item and its text part announced, the text's
    /// deltas, the part, the item and the response done.
    static func responseEvent(_ c: Context, _ index: Int) -> String? {
        func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }
        let tokens = c.completionTokens
        let item = #""item_id":"msg_\#(c.id)","output_index":0"#
        // Made for the three closing events only: a stream of a million tokens makes it three times.
        var text: String { JSONString.quote(Self.text(tokens: tokens)) }
        switch index {
        case 0:
            return event(
                "response.created",
                #"{"type":"response.created","response":{"id":"\#(c.id)","object":"response","created_at":\#(c.created),"status":"in_progress","model":\#(c.modelJSON),"output":[]}}"#
            )
        case 1:
            return event(
                "response.output_item.added",
                #"{"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"msg_\#(c.id)","status":"in_progress","role":"assistant","content":[]}}"#
            )
        case 2:
            return event(
                "response.content_part.added",
                #"{"type":"response.content_part.added",\#(item),"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}"#
            )
        case 3..<(tokens + 3):
            return event(
                "response.output_text.delta",
                #"{"type":"response.output_text.delta",\#(item),"content_index":0,"delta":\#(JSONString.quote(word(index - 3)))}"#
            )
        case tokens + 3:
            return event(
                "response.output_text.done",
                #"{"type":"response.output_text.done",\#(item),"content_index":0,"text":\#(text)}"#
            )
        case tokens + 4:
            return event(
                "response.content_part.done",
                #"{"type":"response.content_part.done",\#(item),"content_index":0,"part":{"type":"output_text","text":\#(text),"annotations":[]}}"#
            )
        case tokens + 5:
            return event(
                "response.output_item.done",
                #"{"type":"response.output_item.done","output_index":0,"item":{"type":"message","id":"msg_\#(c.id)","status":"completed","role":"assistant","content":[{"type":"output_text","text":\#(text),"annotations":[]}]}}"#
            )
        case tokens + 6:
            return event("response.completed", #"{"type":"response.completed","response":\#(response(c))}"#)
        default: return nil
        }
    }

    // MARK: - Errors

    /// The error body for a `status` fault, in OpenAI or Anthropic shape.
    /// `text` (a JSON body, or events of JSON) as a pretty printer would write it: a space after every `:` and `,`
    /// outside strings, and event lines ended by CRLF (a raw newline only ends a line: in JSON it is escaped).
    public static func spaced(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("data: ") { return "data: " + Self.spacedJSON(line.dropFirst(6)) }
            return line.hasPrefix("event:") ? String(line) : Self.spacedJSON(line)
        }.joined(separator: "\r\n")
    }

    private static func spacedJSON(_ json: Substring) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count * 5 / 4)
        var inString = false
        var escaped = false
        for character in json {
            out.append(character)
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "\"" {
                inString = true
            } else if character == ":" || character == "," {
                out += " "
            }
        }
        return out
    }

    public static func error(status: Int, anthropic: Bool) -> String {
        let type: String =
            switch status {
            case 400: "invalid_request_error"
            case 401: "authentication_error"
            case 404: "not_found_error"
            case 429: "rate_limit_error"
            case 529: "overloaded_error"
            default: status >= 500 ? "api_error" : "invalid_request_error"
            }
        let message = JSONString.quote("mock fault: status \(status)")
        if anthropic {
            return #"{"type":"error","error":{"type":"\#(type)","message":\#(message)}}"#
        }
        return #"{"error":{"message":\#(message),"type":"\#(type)","param":null,"code":"mock_\#(status)"}}"#
    }
}
