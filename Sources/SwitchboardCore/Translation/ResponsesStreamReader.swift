/// Reads an OpenAI Responses event stream (or a whole response) as ``AnswerEvent``s: the response's id and model,
/// output text, reasoning summaries (and `encrypted_content` as the reasoning's signature), function calls and
/// their argument pieces, the stop reason (a function call → tool use; `incomplete` → the token limit), the usage,
/// `error` and `response.failed`.
public struct ResponsesStreamReader: Sendable {
    private var splitter = ServerSentEventSplitter()
    /// The call number of each function-call item id.
    private var calls: [String: Int] = [:]

    public init() {}

    public mutating func consume(_ bytes: UnsafeRawBufferPointer, _ emit: (AnswerEvent) -> Void) {
        for event in self.splitter.json(bytes) { self.event(event, emit) }
    }

    mutating func event(_ event: JSONValue, _ emit: (AnswerEvent) -> Void) {
        switch event["type"]?.string {
        case "response.created":
            let response = event["response"] ?? .null
            emit(.start(id: response["id"]?.string ?? "", model: response["model"]?.string ?? ""))
        case "response.output_item.added":
            let item = event["item"] ?? .null
            if item["type"] == "function_call" {
                let number = self.calls.count
                self.calls[item["id"]?.string ?? "\(number)"] = number
                emit(
                    .toolCall(index: number, id: item["call_id"]?.string ?? "", name: item["name"]?.string ?? "")
                )
            }
        case "response.output_text.delta", "response.refusal.delta":
            if let text = event["delta"]?.string, !text.isEmpty { emit(.text(text)) }
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
            if let text = event["delta"]?.string, !text.isEmpty { emit(.thinking(text)) }
        case "response.function_call_arguments.delta":
            if let json = event["delta"]?.string, !json.isEmpty, let number = self.calls[event["item_id"]?.string ?? ""]
            {
                emit(.toolArguments(index: number, json))
            }
        case "response.output_item.done":
            if event["item"]?["type"] == "reasoning", let data = event["item"]?["encrypted_content"]?.string {
                emit(.thinkingSignature(data))
            }
        case "response.completed", "response.incomplete":
            Self.end(event["response"] ?? .null, calls: !self.calls.isEmpty, emit)
        case "response.failed":
            emit(.error(message: event["response"]?["error"]?["message"]?.string ?? "The provider's response failed."))
        case "error":
            emit(
                .error(
                    message: event["message"]?.string ?? event["error"]?["message"]?.string
                        ?? "The provider reported an error."
                )
            )
        default: break
        }
    }

    private static func end(_ response: JSONValue, calls: Bool, _ emit: (AnswerEvent) -> Void) {
        let stop: StopReason =
            if response["status"] == "incomplete" {
                response["incomplete_details"]?["reason"] == "content_filter" ? .contentFilter : .maxTokens
            } else {
                calls ? .toolUse : .endTurn
            }
        emit(.stop(stop))
        if let usage = response["usage"], usage.members != nil { emit(.usage(AnswerUsage(openAI: usage))) }
    }

    /// A whole (non-streamed) response as the same events.
    public static func answer(_ body: JSONValue) -> [AnswerEvent] {
        if let error = body["error"], error != .null, body["output"] == nil {
            return [.error(message: error["message"]?.string ?? "The provider reported an error.")]
        }
        var events: [AnswerEvent] = [.start(id: body["id"]?.string ?? "", model: body["model"]?.string ?? "")]
        var calls = 0
        for item in body["output"]?.array ?? [] {
            switch item["type"]?.string {
            case "message":
                for part in item["content"]?.array ?? [] {
                    if let text = part["text"]?.string ?? part["refusal"]?.string { events.append(.text(text)) }
                }
            case "reasoning":
                let text = (item["summary"]?.array ?? []).compactMap { $0["text"]?.string }.joined()
                if !text.isEmpty { events.append(.thinking(text)) }
                if let data = item["encrypted_content"]?.string { events.append(.thinkingSignature(data)) }
            case "function_call":
                events.append(
                    .toolCall(index: calls, id: item["call_id"]?.string ?? "", name: item["name"]?.string ?? "")
                )
                events.append(.toolArguments(index: calls, item["arguments"]?.string ?? "{}"))
                calls += 1
            default: break
            }
        }
        Self.end(body, calls: calls > 0) { events.append($0) }
        return events
    }
}
