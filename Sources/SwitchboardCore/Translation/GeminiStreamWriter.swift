/// Writes ``AnswerEvent``s as a Gemini `streamGenerateContent?alt=sse` stream: one `data:` chunk per text or
/// thought piece as it arrives, each function call whole once its arguments are complete (Gemini sends calls
/// whole), a last chunk with the `finishReason` and `usageMetadata`; a stream cut short ends with an error chunk.
/// ``answer(_:model:)`` makes the JSON answer of a request that did not stream.
public struct GeminiStreamWriter: Sendable {
    private let model: String
    private var id = ""
    /// A function call whose arguments are still arriving.
    private var call: (id: String, name: String, arguments: String)?
    private var stop: StopReason?
    private var usage = AnswerUsage()
    private var finished = false

    public init(model: String) {
        self.model = model
    }

    public mutating func write(_ event: AnswerEvent, into out: inout [UInt8]) {
        guard !self.finished else { return }
        switch event {
        case .start(let id, _): self.id = id
        case .text(let text): self.chunk([.object([("text", .string(text))])], into: &out)
        case .thinking(let text):
            self.chunk([.object([("text", .string(text)), ("thought", .bool(true))])], into: &out)
        case .thinkingSignature(let signature):
            self.chunk(
                [.object([("text", ""), ("thought", .bool(true)), ("thoughtSignature", .string(signature))])],
                into: &out
            )
        case .toolCall(_, let id, let name):
            self.flushCall(into: &out)
            self.call = (id, name, "")
        case .toolArguments(_, let json):
            self.call?.arguments += json
        case .stop(let reason): self.stop = reason
        case .usage(let usage): self.usage = usage
        case .error(let message): self.fail(message, into: &out)
        }
    }

    public mutating func finish(into out: inout [UInt8]) {
        guard !self.finished else { return }
        guard let stop = self.stop else {
            self.fail("The provider's stream ended before the answer was complete.", into: &out)
            return
        }
        self.flushCall(into: &out)
        self.finished = true
        Self.data(self.response(parts: [], finish: stop), into: &out)
    }

    /// A whole answer as one Gemini JSON body.
    public static func answer(_ events: [AnswerEvent], model: String) -> JSONValue {
        var id = ""
        var parts: [JSONValue] = []
        var text = ""
        var thought = ""
        var signature: String?
        var calls: [(id: String, name: String, arguments: String)] = []
        var stop = StopReason.endTurn
        var usage = AnswerUsage()
        for event in events {
            switch event {
            case .start(let answerID, _): id = answerID
            case .text(let more): text += more
            case .thinking(let more): thought += more
            case .thinkingSignature(let more): signature = (signature ?? "") + more
            case .toolCall(_, let callID, let name): calls.append((callID, name, ""))
            case .toolArguments(let index, let json): if index < calls.count { calls[index].arguments += json }
            case .stop(let reason): stop = reason
            case .usage(let counts): usage = counts
            case .error: break
            }
        }
        if !thought.isEmpty || signature != nil {
            var part: [(key: String, value: JSONValue)] = [("text", .string(thought)), ("thought", .bool(true))]
            if let signature { part.append(("thoughtSignature", .string(signature))) }
            parts.append(.object(part))
        }
        if !text.isEmpty { parts.append(.object([("text", .string(text))])) }
        parts += calls.map(Self.callPart)
        var writer = GeminiStreamWriter(model: model)
        writer.id = id
        writer.usage = usage
        return writer.response(parts: parts, finish: stop)
    }

    private static func callPart(_ call: (id: String, name: String, arguments: String)) -> JSONValue {
        .object([
            (
                "functionCall",
                .object([
                    ("id", .string(call.id)), ("name", .string(call.name)),
                    ("args", JSONValue(parsing: Array(call.arguments.utf8)) ?? .object([])),
                ])
            )
        ])
    }

    private mutating func flushCall(into out: inout [UInt8]) {
        guard let call = self.call.take() else { return }
        self.chunk([Self.callPart(call)], into: &out)
    }

    private func response(parts: [JSONValue], finish: StopReason?) -> JSONValue {
        var candidate: [(key: String, value: JSONValue)] = [
            ("content", .object([("parts", .array(parts)), ("role", "model")]))
        ]
        if let finish {
            let reason =
                switch finish {
                case .maxTokens: "MAX_TOKENS"
                case .contentFilter, .refusal: "SAFETY"
                default: "STOP"
                }
            candidate.append(("finishReason", .string(reason)))
        }
        candidate.append(("index", 0))
        var members: [(key: String, value: JSONValue)] = [("candidates", .array([.object(candidate)]))]
        if finish != nil { members.append(("usageMetadata", self.usage.gemini)) }
        members.append(("modelVersion", .string(self.model)))
        if !self.id.isEmpty { members.append(("responseId", .string(self.id))) }
        return .object(members)
    }

    private mutating func chunk(_ parts: [JSONValue], into out: inout [UInt8]) {
        if !parts.isEmpty, self.call != nil, parts.first?["functionCall"] == nil { self.flushCall(into: &out) }
        Self.data(self.response(parts: parts, finish: nil), into: &out)
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        self.finished = true
        Self.data(
            .object([
                ("error", .object([("code", 500), ("message", .string(message)), ("status", "INTERNAL")]))
            ]),
            into: &out
        )
    }

    private static func data(_ json: JSONValue, into out: inout [UInt8]) {
        out += "data: \(json.jsonText)\r\n\r\n".utf8
    }
}
