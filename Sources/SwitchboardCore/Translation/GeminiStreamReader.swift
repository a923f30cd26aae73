/// Reads a Gemini `streamGenerateContent?alt=sse` stream (or a whole `generateContent` answer) as
/// ``AnswerEvent``s: text, thoughts (`thought: true`) and their `thoughtSignature`, function calls (whole, as
/// Gemini sends them: a call and its arguments at once; ids made when Gemini gives none), the finish reason
/// (`STOP` after a function call is a tool use), `usageMetadata` (thoughts counted as output), errors.
public struct GeminiStreamReader: Sendable {
    private var splitter = ServerSentEventSplitter()
    private var started = false
    private var calls = 0

    public init() {}

    public mutating func consume(_ bytes: UnsafeRawBufferPointer, _ emit: (AnswerEvent) -> Void) {
        for event in self.splitter.json(bytes) { self.chunk(event, emit) }
    }

    mutating func chunk(_ chunk: JSONValue, _ emit: (AnswerEvent) -> Void) {
        if let error = chunk["error"], chunk["candidates"] == nil {
            emit(.error(message: error["message"]?.string ?? "The provider reported an error."))
            return
        }
        if !self.started {
            self.started = true
            emit(
                .start(
                    id: geminiField(chunk, "responseId")?.string ?? "",
                    model: geminiField(chunk, "modelVersion")?.string ?? ""
                )
            )
        }
        let candidate = chunk["candidates"]?.array?.first
        for part in geminiField(candidate, "content")?["parts"]?.array ?? [] {
            if let text = part["text"]?.string {
                if part["thought"]?.bool == true {
                    if !text.isEmpty { emit(.thinking(text)) }
                } else if !text.isEmpty {
                    emit(.text(text))
                }
            }
            if let call = geminiField(part, "functionCall") {
                let number = self.calls
                self.calls += 1
                emit(
                    .toolCall(
                        index: number,
                        id: call["id"]?.string ?? "call_\(number)",
                        name: call["name"]?.string ?? ""
                    )
                )
                emit(.toolArguments(index: number, (call["args"] ?? .object([])).jsonText))
            }
            if let signature = geminiField(part, "thoughtSignature")?.string { emit(.thinkingSignature(signature)) }
        }
        if let reason = geminiField(candidate, "finishReason")?.string {
            emit(.stop(Self.stop(reason, calls: self.calls > 0)))
        } else if geminiField(geminiField(chunk, "promptFeedback"), "blockReason") != nil {
            emit(.stop(.contentFilter))
        }
        if let usage = geminiField(chunk, "usageMetadata") { emit(.usage(AnswerUsage(gemini: usage))) }
    }

    static func stop(_ reason: String, calls: Bool) -> StopReason {
        switch reason {
        case "MAX_TOKENS": .maxTokens
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": .contentFilter
        default: calls ? .toolUse : .endTurn
        }
    }

    /// A whole answer as the same events.
    public static func answer(_ body: JSONValue) -> [AnswerEvent] {
        var reader = GeminiStreamReader()
        var events: [AnswerEvent] = []
        reader.chunk(body) { events.append($0) }
        return events
    }
}

extension AnswerUsage {
    /// From Gemini's `usageMetadata`: the prompt count includes cached tokens; thoughts are billed as output.
    public init(gemini usage: JSONValue) {
        self.cacheRead = geminiField(usage, "cachedContentTokenCount")?.int ?? 0
        self.input = max(0, (geminiField(usage, "promptTokenCount")?.int ?? 0) - self.cacheRead)
        self.reasoning = geminiField(usage, "thoughtsTokenCount")?.int ?? 0
        self.output = (geminiField(usage, "candidatesTokenCount")?.int ?? 0) + self.reasoning
    }

    /// Gemini's `usageMetadata`.
    public var gemini: JSONValue {
        let prompt = self.input + self.cacheRead + self.cacheWrite
        var members: [(key: String, value: JSONValue)] = [
            ("promptTokenCount", .number(Double(prompt))),
            ("candidatesTokenCount", .number(Double(self.output - self.reasoning))),
            ("totalTokenCount", .number(Double(prompt + self.output))),
        ]
        if self.cacheRead > 0 { members.append(("cachedContentTokenCount", .number(Double(self.cacheRead)))) }
        if self.reasoning > 0 { members.append(("thoughtsTokenCount", .number(Double(self.reasoning)))) }
        return .object(members)
    }
}
