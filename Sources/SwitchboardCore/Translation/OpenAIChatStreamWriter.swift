/// Writes ``AnswerEvent``s as an OpenAI chat-completions event stream, chunk by chunk as they arrive: the role,
/// `content` deltas, reasoning as `reasoning_content` (and, with its signature, LiteLLM's `thinking_blocks`, so a
/// client can send it back in a later turn), `tool_calls` deltas, the `finish_reason`, the usage chunk when the
/// client asked for it (`stream_options.include_usage`), `[DONE]`; a stream cut short ends with an error chunk.
public struct OpenAIChatStreamWriter: Sendable {
    private let model: String
    private let created: Int
    private let includeUsage: Bool
    private var id = "chatcmpl-switchboard"
    private var started = false
    private var stop: StopReason?
    private var usage: AnswerUsage?
    private var finished = false

    /// - Parameters:
    ///   - model: the model name the client asked for.
    ///   - created: the `created` timestamp (seconds since 1970).
    ///   - includeUsage: whether the client asked for the usage chunk.
    public init(model: String, created: Int, includeUsage: Bool) {
        self.model = model
        self.created = created
        self.includeUsage = includeUsage
    }

    public mutating func write(_ event: AnswerEvent, into out: inout [UInt8]) {
        guard !self.finished else { return }
        switch event {
        case .start(let id, _):
            if !id.isEmpty { self.id = id }
            self.start(into: &out)
        case .text(let text):
            self.chunk(#"{"content":"# + JSONString.quote(text) + "}", into: &out)
        case .thinking(let text):
            self.chunk(#"{"reasoning_content":"# + JSONString.quote(text) + "}", into: &out)
        case .thinkingSignature(let signature):
            self.chunk(
                #"{"thinking_blocks":[{"type":"thinking","thinking":"","signature":"# + JSONString.quote(signature)
                    + "}]}",
                into: &out
            )
        case .toolCall(let index, let id, let name):
            self.chunk(
                #"{"tool_calls":[{"index":\#(index),"id":"# + JSONString.quote(id)
                    + #","type":"function","function":{"name":"# + JSONString.quote(name) + #","arguments":""}}]}"#,
                into: &out
            )
        case .toolArguments(let index, let json):
            self.chunk(
                #"{"tool_calls":[{"index":\#(index),"function":{"arguments":"# + JSONString.quote(json) + "}}]}",
                into: &out
            )
        case .stop(let reason):
            self.stop = reason
        case .usage(let usage):
            self.usage = usage
        case .error(let message):
            self.fail(message, into: &out)
        }
    }

    /// The end of the provider's stream: the finish reason, the usage chunk, `[DONE]`; or an error chunk when the
    /// stream ended before a stop reason (cut short).
    public mutating func finish(into out: inout [UInt8]) {
        guard !self.finished else { return }
        guard let stop = self.stop else {
            self.fail("The provider's stream ended before the answer was complete.", into: &out)
            return
        }
        self.start(into: &out)
        self.finished = true
        self.chunk(#"{}"#, finishReason: stop.openAI, into: &out)
        if self.includeUsage, let usage = self.usage {
            Self.data(self.prefix + #""choices":[],"usage":"# + usage.openAI.jsonText + "}", into: &out)
        }
        out += "data: [DONE]\n\n".utf8
    }

    private var prefix: String {
        #"{"id":"# + JSONString.quote(self.id)
            + #","object":"chat.completion.chunk","created":\#(self.created),"model":"#
            + JSONString.quote(self.model) + ","
    }

    private mutating func start(into out: inout [UInt8]) {
        guard !self.started else { return }
        self.started = true
        self.chunk(#"{"role":"assistant","content":""}"#, into: &out)
    }

    private mutating func chunk(_ delta: String, finishReason: String? = nil, into out: inout [UInt8]) {
        self.start(into: &out)
        let reason = finishReason.map { "\"\($0)\"" } ?? "null"
        Self.data(
            self.prefix + #""choices":[{"index":0,"delta":"# + delta + #","finish_reason":\#(reason)}]}"#,
            into: &out
        )
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        self.finished = true
        Self.data(
            #"{"error":{"message":"# + JSONString.quote(message)
                + #","type":"upstream_error","param":null,"code":"stream_interrupted"}}"#,
            into: &out
        )
    }

    private static func data(_ json: String, into out: inout [UInt8]) {
        out += "data: \(json)\n\n".utf8
    }
}
