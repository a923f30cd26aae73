/// Reads an Anthropic Messages event stream (or a whole JSON message) as ``AnswerEvent``s: the message's id and
/// model, text, thinking and its signature, tool calls and their `input_json_delta` pieces, the stop reason, the
/// usage (input and cache counts from `message_start`, output from `message_delta`), an `error` event.
public struct AnthropicStreamReader: Sendable {
    private var splitter = ServerSentEventSplitter()
    /// The tool-call number of each open content block index.
    private var toolOfBlock: [Int: Int] = [:]
    private var tools = 0
    private var usage = AnswerUsage()

    public init() {}

    public mutating func consume(_ bytes: UnsafeRawBufferPointer, _ emit: (AnswerEvent) -> Void) {
        for event in self.splitter.json(bytes) { self.event(event, emit) }
    }

    mutating func event(_ event: JSONValue, _ emit: (AnswerEvent) -> Void) {
        switch event["type"]?.string {
        case "message_start":
            let message = event["message"] ?? .null
            emit(.start(id: message["id"]?.string ?? "", model: message["model"]?.string ?? ""))
            if let usage = message["usage"] { self.merge(usage) }
        case "content_block_start":
            let block = event["content_block"] ?? .null
            let index = event["index"]?.int ?? 0
            switch block["type"]?.string {
            case "tool_use":
                self.toolOfBlock[index] = self.tools
                emit(.toolCall(index: self.tools, id: block["id"]?.string ?? "", name: block["name"]?.string ?? ""))
                self.tools += 1
            case "text":
                if let text = block["text"]?.string, !text.isEmpty { emit(.text(text)) }
            case "thinking":
                if let text = block["thinking"]?.string, !text.isEmpty { emit(.thinking(text)) }
            default: break
            }
        case "content_block_delta":
            let delta = event["delta"] ?? .null
            switch delta["type"]?.string {
            case "text_delta": if let text = delta["text"]?.string { emit(.text(text)) }
            case "thinking_delta": if let text = delta["thinking"]?.string { emit(.thinking(text)) }
            case "signature_delta":
                if let signature = delta["signature"]?.string { emit(.thinkingSignature(signature)) }
            case "input_json_delta":
                if let json = delta["partial_json"]?.string, !json.isEmpty,
                    let tool = self.toolOfBlock[event["index"]?.int ?? 0]
                {
                    emit(.toolArguments(index: tool, json))
                }
            default: break
            }
        case "message_delta":
            if let reason = event["delta"]?["stop_reason"]?.string { emit(.stop(StopReason(anthropic: reason))) }
            if let usage = event["usage"] {
                self.merge(usage)
                emit(.usage(self.usage))
            }
        case "error":
            emit(.error(message: event["error"]?["message"]?.string ?? "The provider reported an error."))
        default: break
        }
    }

    /// Counts of a `usage` object over those seen before (`message_delta` repeats or completes `message_start`'s).
    private mutating func merge(_ usage: JSONValue) {
        if let input = usage["input_tokens"]?.int { self.usage.input = input }
        if let read = usage["cache_read_input_tokens"]?.int { self.usage.cacheRead = read }
        if let write = usage["cache_creation_input_tokens"]?.int { self.usage.cacheWrite = write }
        if let output = usage["output_tokens"]?.int { self.usage.output = output }
    }

    /// A whole (non-streamed) message as the same events.
    public static func answer(_ body: JSONValue) -> [AnswerEvent] {
        var events: [AnswerEvent] = []
        if let error = body["error"], body["type"]?.string == "error" {
            return [.error(message: error["message"]?.string ?? "The provider reported an error.")]
        }
        events.append(.start(id: body["id"]?.string ?? "", model: body["model"]?.string ?? ""))
        var tools = 0
        for block in body["content"]?.array ?? [] {
            switch block["type"]?.string {
            case "text": events.append(.text(block["text"]?.string ?? ""))
            case "thinking":
                events.append(.thinking(block["thinking"]?.string ?? ""))
                if let signature = block["signature"]?.string { events.append(.thinkingSignature(signature)) }
            case "tool_use":
                events.append(
                    .toolCall(index: tools, id: block["id"]?.string ?? "", name: block["name"]?.string ?? "")
                )
                events.append(.toolArguments(index: tools, (block["input"] ?? .object([])).jsonText))
                tools += 1
            default: break
            }
        }
        if let reason = body["stop_reason"]?.string { events.append(.stop(StopReason(anthropic: reason))) }
        if let usage = body["usage"] {
            var reader = AnthropicStreamReader()
            reader.merge(usage)
            events.append(.usage(reader.usage))
        }
        return events
    }
}
