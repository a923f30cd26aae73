/// The text of a streamed answer, gathered from its events as they are relayed, for the output guardrails that run
/// when the stream ends (docs/guardrails.md). It reads the stream in the protocol the upstream speaks, with the
/// readers translation uses; only the first choice's text is kept, up to ``limit`` bytes.
public struct StreamedAnswerText: Sendable {
    private enum Reader: Sendable {
        case openAIChat(OpenAIChatStreamReader)
        case responses(ResponsesStreamReader)
        case anthropic(AnthropicStreamReader)
        case gemini(GeminiStreamReader)
        /// Legacy completions: `choices[0].text` of each event.
        case completions(ServerSentEventSplitter)
    }

    /// The most text kept: a longer answer is judged too large to check (the checks fail closed).
    public static let limit = 16 << 20

    private var reader: Reader
    public private(set) var text = ""
    /// The answer's text passed ``limit``.
    public private(set) var overflowed = false

    /// - Parameter wire: the protocol of the stream as the upstream sends it; `nil` reads legacy completions.
    public init(wire: WireProtocol?) {
        switch wire {
        case .openAIChat: self.reader = .openAIChat(OpenAIChatStreamReader())
        case .openAIResponses: self.reader = .responses(ResponsesStreamReader())
        case .anthropicMessages: self.reader = .anthropic(AnthropicStreamReader())
        case .gemini: self.reader = .gemini(GeminiStreamReader())
        case nil: self.reader = .completions(ServerSentEventSplitter())
        }
    }

    /// A piece of the stream's payload.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard !self.overflowed else { return }
        var pieces: [String] = []
        let add: (AnswerEvent) -> Void = { event in
            if case .text(let piece) = event { pieces.append(piece) }
        }
        switch self.reader {
        case .openAIChat(var reader):
            reader.consume(bytes, add)
            self.reader = .openAIChat(reader)
        case .responses(var reader):
            reader.consume(bytes, add)
            self.reader = .responses(reader)
        case .anthropic(var reader):
            reader.consume(bytes, add)
            self.reader = .anthropic(reader)
        case .gemini(var reader):
            reader.consume(bytes, add)
            self.reader = .gemini(reader)
        case .completions(var splitter):
            for event in splitter.json(bytes) {
                if let piece = event["choices"]?.array?.first?["text"]?.string { pieces.append(piece) }
            }
            self.reader = .completions(splitter)
        }
        for piece in pieces { self.append(piece) }
    }

    private mutating func append(_ piece: String) {
        guard self.text.utf8.count + piece.utf8.count <= Self.limit else {
            self.overflowed = true
            return
        }
        self.text += piece
    }
}
