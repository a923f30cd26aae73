/// Writes ``AnswerEvent``s as an OpenAI Responses event stream, event by event as they arrive: `response.created`,
/// one output item per reasoning, message or function call (`output_item.added`, its deltas, its `.done` events,
/// `output_item.done`), then `response.completed` (or `response.incomplete` at the token limit) with the whole
/// response and its usage; a stream cut short ends with an `error` event. The whole response (``response``) is also
/// the JSON answer of a request that did not stream.
///
/// Reasoning goes out as a summary (its text) with the provider's signature as `encrypted_content`, which
/// ``ResponsesRequestReader`` reads back, so an Anthropic thinking block survives a Responses client's next turn.
public struct ResponsesStreamWriter: Sendable {
    enum Item: Sendable {
        case reasoning(id: String, text: String, signature: String)
        case message(id: String, text: String)
        case call(id: String, callID: String, name: String, arguments: String, index: Int)
    }

    private let model: String
    private let created: Int
    private var id = "resp_switchboard"
    private var items: [Item] = []
    /// Whether the last item still takes deltas.
    private var open = false
    private var sequence = 0
    private var started = false
    private var stop: StopReason?
    private var usage = AnswerUsage()
    private var finished = false

    public init(model: String, created: Int) {
        self.model = model
        self.created = created
    }

    public mutating func write(_ event: AnswerEvent, into out: inout [UInt8]) {
        guard !self.finished else { return }
        switch event {
        case .start(let id, _):
            if !id.isEmpty { self.id = id.hasPrefix("resp_") ? id : "resp_" + id }
            self.start(into: &out)
        case .text(let text):
            if case .message(let id, let sofar)? = self.items.last, self.open {
                self.items[self.items.count - 1] = .message(id: id, text: sofar + text)
            } else {
                self.add(.message(id: "msg_\(self.items.count)_" + self.id, text: text), into: &out)
                self.emit(
                    "response.content_part.added",
                    self.at + [("content_index", 0), ("part", Self.textPart(""))],
                    into: &out
                )
            }
            self.emit(
                "response.output_text.delta",
                self.at + [("content_index", 0), ("delta", .string(text)), ("logprobs", .array([]))],
                into: &out
            )
        case .thinking(let text):
            self.enterReasoning(into: &out)
            guard case .reasoning(let id, let sofar, let signature)? = self.items.last else { return }
            self.items[self.items.count - 1] = .reasoning(id: id, text: sofar + text, signature: signature)
            self.emit(
                "response.reasoning_summary_text.delta",
                self.at + [("summary_index", 0), ("delta", .string(text))],
                into: &out
            )
        case .thinkingSignature(let more):
            self.enterReasoning(into: &out)
            guard case .reasoning(let id, let text, let signature)? = self.items.last else { return }
            self.items[self.items.count - 1] = .reasoning(id: id, text: text, signature: signature + more)
        case .toolCall(let index, let callID, let name):
            self.add(.call(id: "fc_" + callID, callID: callID, name: name, arguments: "", index: index), into: &out)
        case .toolArguments(let index, let json):
            guard self.open, case .call(let id, let callID, let name, let arguments, index)? = self.items.last else {
                return
            }
            self.items[self.items.count - 1] = .call(
                id: id,
                callID: callID,
                name: name,
                arguments: arguments + json,
                index: index
            )
            self.emit("response.function_call_arguments.delta", self.at + [("delta", .string(json))], into: &out)
        case .stop(let reason):
            self.stop = reason
        case .usage(let usage):
            self.usage = usage
        case .error(let message):
            self.fail(message, into: &out)
        }
    }

    /// The end of the provider's stream: the last item's `.done` events and `response.completed`; or an `error`
    /// event when the stream ended before a stop reason (cut short).
    public mutating func finish(into out: inout [UInt8]) {
        guard !self.finished else { return }
        guard self.stop != nil else {
            self.fail("The provider's stream ended before the answer was complete.", into: &out)
            return
        }
        self.start(into: &out)
        self.close(into: &out)
        self.finished = true
        let incomplete = self.stop == .maxTokens
        self.emit(
            incomplete ? "response.incomplete" : "response.completed",
            [("response", self.response)],
            into: &out
        )
    }

    /// A whole answer as one Responses JSON body.
    public static func answer(_ events: [AnswerEvent], model: String, created: Int) -> JSONValue {
        var writer = ResponsesStreamWriter(model: model, created: created)
        var discarded: [UInt8] = []
        for event in events { writer.write(event, into: &discarded) }
        writer.finish(into: &discarded)
        return writer.response
    }

    /// The whole response as it stands: `completed` (or `incomplete` at the token limit) once the answer ended.
    public var response: JSONValue {
        let status = !self.finished ? "in_progress" : self.stop == .maxTokens ? "incomplete" : "completed"
        let prompt = self.usage.input + self.usage.cacheRead + self.usage.cacheWrite
        let usage: JSONValue = .object([
            ("input_tokens", .number(Double(prompt))),
            ("input_tokens_details", .object([("cached_tokens", .number(Double(self.usage.cacheRead)))])),
            ("output_tokens", .number(Double(self.usage.output))),
            ("output_tokens_details", .object([("reasoning_tokens", .number(Double(self.usage.reasoning)))])),
            ("total_tokens", .number(Double(prompt + self.usage.output))),
        ])
        return .object([
            ("id", .string(self.id)), ("object", "response"), ("created_at", .number(Double(self.created))),
            ("status", .string(status)), ("error", .null),
            (
                "incomplete_details",
                status == "incomplete" ? .object([("reason", "max_output_tokens")]) : .null
            ),
            ("model", .string(self.model)),
            ("output", .array(self.finished ? self.items.map { Self.json($0, done: true) } : [])),
            ("parallel_tool_calls", .bool(true)), ("tool_choice", "auto"), ("tools", .array([])),
            ("usage", self.finished ? usage : .null),
        ])
    }

    // MARK: - Items

    private var at: [(key: String, value: JSONValue)] {
        [("item_id", .string(Self.id(of: self.items.last!))), ("output_index", .number(Double(self.items.count - 1)))]
    }

    private static func id(of item: Item) -> String {
        switch item {
        case .reasoning(let id, _, _), .message(let id, _), .call(let id, _, _, _, _): id
        }
    }

    private mutating func enterReasoning(into out: inout [UInt8]) {
        if case .reasoning? = self.items.last, self.open { return }
        self.add(.reasoning(id: "rs_\(self.items.count)_" + self.id, text: "", signature: ""), into: &out)
        self.emit(
            "response.reasoning_summary_part.added",
            self.at + [("summary_index", 0), ("part", .object([("type", "summary_text"), ("text", "")]))],
            into: &out
        )
    }

    private mutating func add(_ item: Item, into out: inout [UInt8]) {
        self.start(into: &out)
        self.close(into: &out)
        self.items.append(item)
        self.open = true
        self.emit(
            "response.output_item.added",
            [("output_index", .number(Double(self.items.count - 1))), ("item", Self.json(item, done: false))],
            into: &out
        )
    }

    /// The open item's `.done` events.
    private mutating func close(into out: inout [UInt8]) {
        guard self.open, let item = self.items.last else { return }
        self.open = false
        switch item {
        case .message(_, let text):
            self.emit(
                "response.output_text.done",
                self.at + [("content_index", 0), ("text", .string(text))],
                into: &out
            )
            self.emit(
                "response.content_part.done",
                self.at + [("content_index", 0), ("part", Self.textPart(text))],
                into: &out
            )
        case .reasoning(_, let text, _):
            self.emit(
                "response.reasoning_summary_text.done",
                self.at + [("summary_index", 0), ("text", .string(text))],
                into: &out
            )
            self.emit(
                "response.reasoning_summary_part.done",
                self.at + [
                    ("summary_index", 0), ("part", .object([("type", "summary_text"), ("text", .string(text))])),
                ],
                into: &out
            )
        case .call(_, _, _, let arguments, _):
            self.emit(
                "response.function_call_arguments.done",
                self.at + [("arguments", .string(arguments))],
                into: &out
            )
        }
        self.emit(
            "response.output_item.done",
            [("output_index", .number(Double(self.items.count - 1))), ("item", Self.json(item, done: true))],
            into: &out
        )
    }

    private static func textPart(_ text: String) -> JSONValue {
        .object([("type", "output_text"), ("text", .string(text)), ("annotations", .array([]))])
    }

    private static func json(_ item: Item, done: Bool) -> JSONValue {
        let status: JSONValue = done ? "completed" : "in_progress"
        switch item {
        case .message(let id, let text):
            return .object([
                ("id", .string(id)), ("type", "message"), ("status", status), ("role", "assistant"),
                ("content", .array(done ? [Self.textPart(text)] : [])),
            ])
        case .reasoning(let id, let text, let signature):
            var members: [(key: String, value: JSONValue)] = [
                ("id", .string(id)), ("type", "reasoning"),
                ("summary", .array(done ? [.object([("type", "summary_text"), ("text", .string(text))])] : [])),
            ]
            if done, !signature.isEmpty { members.append(("encrypted_content", .string(signature))) }
            return .object(members)
        case .call(let id, let callID, let name, let arguments, _):
            return .object([
                ("id", .string(id)), ("type", "function_call"), ("status", status), ("call_id", .string(callID)),
                ("name", .string(name)), ("arguments", .string(done ? arguments : "")),
            ])
        }
    }

    // MARK: - Events

    private mutating func start(into out: inout [UInt8]) {
        guard !self.started else { return }
        self.started = true
        self.emit("response.created", [("response", self.response)], into: &out)
        self.emit("response.in_progress", [("response", self.response)], into: &out)
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        self.emit(
            "error",
            [("code", "stream_interrupted"), ("message", .string(message)), ("param", .null)],
            into: &out
        )
        self.finished = true
    }

    private mutating func emit(_ type: String, _ members: [(key: String, value: JSONValue)], into out: inout [UInt8]) {
        let data = JSONValue.object(
            [("type", .string(type))] + members + [("sequence_number", .number(Double(self.sequence)))]
        )
        self.sequence += 1
        out += "event: \(type)\ndata: \(data.jsonText)\n\n".utf8
    }
}
