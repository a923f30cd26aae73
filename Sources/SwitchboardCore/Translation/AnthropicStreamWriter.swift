/// Writes ``AnswerEvent``s as an Anthropic Messages event stream, event by event as they arrive: `message_start`,
/// one `content_block_start` / `_delta` / `_stop` run per text, thinking or tool-use block, `message_delta` with
/// the stop reason and the real usage, `message_stop`; a stream cut short ends with an `error` event.
///
/// Usage: an OpenAI-style provider reports usage only at the end, so `message_start` carries the prompt tokens
/// estimated from the request (never 0) and `message_delta` the provider's exact counts, input and cache
/// included, which is where Anthropic's SDKs and Claude Code take the final usage from.
public struct AnthropicStreamWriter: Sendable {
    enum Block: Equatable {
        case text, thinking
        case tool(Int)
    }

    private let estimatedInput: Int
    private let model: String
    private var started = false
    private var open: Block?
    private var blockIndex = -1
    private var stop: StopReason?
    private var usage: AnswerUsage?
    private var finished = false

    /// - Parameters:
    ///   - model: the model name the client asked for (shown in `message_start`).
    ///   - estimatedInput: prompt tokens estimated from the request, for `message_start`.
    public init(model: String, estimatedInput: Int) {
        self.model = model
        self.estimatedInput = max(1, estimatedInput)
    }

    public mutating func write(_ event: AnswerEvent, into out: inout [UInt8]) {
        guard !self.finished else { return }
        switch event {
        case .start(let id, _):
            self.start(id: id, into: &out)
        case .text(let text):
            self.enter(.text, into: &out)
            self.delta(#"{"type":"text_delta","text":"# + JSONString.quote(text) + "}", into: &out)
        case .thinking(let text):
            self.enter(.thinking, into: &out)
            self.delta(#"{"type":"thinking_delta","thinking":"# + JSONString.quote(text) + "}", into: &out)
        case .thinkingSignature(let signature):
            self.enter(.thinking, into: &out)
            self.delta(#"{"type":"signature_delta","signature":"# + JSONString.quote(signature) + "}", into: &out)
        case .toolCall(let index, let id, let name):
            self.close(into: &out)
            self.start(id: "", into: &out)
            self.blockIndex += 1
            self.open = .tool(index)
            Self.event(
                "content_block_start",
                #"{"type":"content_block_start","index":\#(self.blockIndex),"content_block":{"type":"tool_use","id":"#
                    + JSONString.quote(id) + #","name":"# + JSONString.quote(name) + #","input":{}}}"#,
                into: &out
            )
        case .toolArguments(let index, let json):
            guard self.open == .tool(index) else { return }
            self.delta(#"{"type":"input_json_delta","partial_json":"# + JSONString.quote(json) + "}", into: &out)
        case .stop(let reason):
            self.stop = reason
        case .usage(let usage):
            self.usage = usage
        case .error(let message):
            self.fail(message, into: &out)
        }
    }

    /// The end of the provider's stream: the closing events, or an error event when it ended before a stop
    /// reason (cut short).
    public mutating func finish(into out: inout [UInt8]) {
        guard !self.finished else { return }
        guard let stop = self.stop else {
            self.fail("The provider's stream ended before the answer was complete.", into: &out)
            return
        }
        self.start(id: "", into: &out)
        self.close(into: &out)
        let usage = self.usage ?? AnswerUsage(input: self.estimatedInput)
        Self.event(
            "message_delta",
            #"{"type":"message_delta","delta":{"stop_reason":"\#(stop.anthropic)","stop_sequence":null},"usage":"#
                + usage.anthropic.jsonText + "}",
            into: &out
        )
        Self.event("message_stop", #"{"type":"message_stop"}"#, into: &out)
        self.finished = true
    }

    private mutating func start(id: String, into out: inout [UInt8]) {
        guard !self.started else { return }
        self.started = true
        let messageID = id.hasPrefix("msg_") ? id : "msg_" + (id.isEmpty ? "switchboard" : id)
        Self.event(
            "message_start",
            #"{"type":"message_start","message":{"id":"# + JSONString.quote(messageID)
                + #","type":"message","role":"assistant","model":"# + JSONString.quote(self.model)
                + #","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(self.estimatedInput),"output_tokens":1}}}"#,
            into: &out
        )
    }

    /// Opens a block of `kind` unless one is open (a different one is closed first).
    private mutating func enter(_ kind: Block, into out: inout [UInt8]) {
        self.start(id: "", into: &out)
        guard self.open != kind else { return }
        self.close(into: &out)
        self.blockIndex += 1
        self.open = kind
        let block =
            kind == .text ? #"{"type":"text","text":""}"# : #"{"type":"thinking","thinking":"","signature":""}"#
        Self.event(
            "content_block_start",
            #"{"type":"content_block_start","index":\#(self.blockIndex),"content_block":\#(block)}"#,
            into: &out
        )
    }

    private mutating func close(into out: inout [UInt8]) {
        guard self.open != nil else { return }
        self.open = nil
        Self.event("content_block_stop", #"{"type":"content_block_stop","index":\#(self.blockIndex)}"#, into: &out)
    }

    private func delta(_ delta: String, into out: inout [UInt8]) {
        Self.event(
            "content_block_delta",
            #"{"type":"content_block_delta","index":\#(self.blockIndex),"delta":"# + delta + "}",
            into: &out
        )
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        self.finished = true
        Self.event(
            "error",
            #"{"type":"error","error":{"type":"api_error","message":"# + JSONString.quote(message) + "}}",
            into: &out
        )
    }

    private static func event(_ name: String, _ data: String, into out: inout [UInt8]) {
        out += "event: \(name)\ndata: \(data)\n\n".utf8
    }
}
