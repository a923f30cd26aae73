/// Translates one provider response into the client's protocol as its bytes arrive (the response stage of a
/// ``TranslationPair``): a stream event by event, a JSON answer or an error body whole at its end.
public struct ResponseTranslator: Sendable {
    /// What the provider's response is.
    public enum Body: Sendable, Equatable {
        case stream
        case json
        /// A non-2xx answer: its error is reshaped into the client protocol's error body.
        case error(status: Int)
    }

    fileprivate enum Reader {
        case openAIChat(OpenAIChatStreamReader)
        case responses(ResponsesStreamReader)
        case anthropic(AnthropicStreamReader)
        case gemini(GeminiStreamReader)
    }

    fileprivate enum Writer {
        case openAIChat(OpenAIChatStreamWriter)
        case responses(ResponsesStreamWriter)
        case anthropic(AnthropicStreamWriter)
        case gemini(GeminiStreamWriter)
    }

    /// The largest JSON or error body translated; a larger one is answered with an error.
    public static let maxCollected = 64 << 20

    public let pair: TranslationPair
    public let body: Body
    private let model: String
    private let created: Int
    private var reader: Reader
    private var writer: Writer
    /// A JSON or error body, collected until its end.
    private var collected: [UInt8] = []
    private var out: [UInt8] = []

    /// - Parameters:
    ///   - model: the model the client asked for, shown in the answer.
    ///   - estimatedInput: prompt tokens estimated from the request (for protocols that announce them first).
    ///   - includeUsage: whether an OpenAI chat client asked for the usage chunk.
    ///   - created: the answer's timestamp (seconds since 1970).
    public init(
        pair: TranslationPair,
        body: Body,
        model: String,
        estimatedInput: Int,
        includeUsage: Bool,
        created: Int
    ) {
        self.pair = pair
        self.body = body
        self.model = model
        self.created = created
        self.reader =
            switch pair.provider {
            case .openAIChat: .openAIChat(OpenAIChatStreamReader())
            case .openAIResponses: .responses(ResponsesStreamReader())
            case .anthropicMessages: .anthropic(AnthropicStreamReader())
            case .gemini: .gemini(GeminiStreamReader())
            }
        self.writer =
            switch pair.client {
            case .openAIChat:
                .openAIChat(OpenAIChatStreamWriter(model: model, created: created, includeUsage: includeUsage))
            case .openAIResponses: .responses(ResponsesStreamWriter(model: model, created: created))
            case .anthropicMessages: .anthropic(AnthropicStreamWriter(model: model, estimatedInput: estimatedInput))
            case .gemini: .gemini(GeminiStreamWriter(model: model))
            }
    }

    /// Feeds a piece of the provider's body; `emit` gets what is ready for the client (nothing for a collected body).
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        guard self.body == .stream else {
            if self.collected.count < Self.maxCollected { self.collected += bytes }
            return
        }
        var reader = self.reader
        var writer = self.writer
        var out = self.out
        self.out = []
        let write: (AnswerEvent) -> Void = { event in writer.write(event, into: &out) }
        switch reader {
        case .openAIChat(var chat):
            chat.consume(bytes, write)
            reader = .openAIChat(chat)
        case .responses(var responses):
            responses.consume(bytes, write)
            reader = .responses(responses)
        case .anthropic(var anthropic):
            anthropic.consume(bytes, write)
            reader = .anthropic(anthropic)
        case .gemini(var gemini):
            gemini.consume(bytes, write)
            reader = .gemini(gemini)
        }
        self.reader = reader
        self.writer = writer
        if !out.isEmpty { out.withUnsafeBytes(emit) }
        out.removeAll(keepingCapacity: true)
        self.out = out
    }

    /// The end of the provider's body: a stream's closing events (or its error event when it was cut short), the
    /// translated JSON answer, or the reshaped error.
    public mutating func finish(emit: (UnsafeRawBufferPointer) -> Void) {
        var out: [UInt8] = []
        switch self.body {
        case .stream:
            self.writer.finish(into: &out)
        case .json:
            out = self.translatedAnswer()
        case .error(let status):
            out = ProviderError.read(self.collected, status: status).shaped(for: self.pair.client).jsonBody
        }
        out.withUnsafeBytes(emit)
    }

    private func translatedAnswer() -> [UInt8] {
        guard let json = JSONValue(parsing: self.collected) else {
            return ProviderError.unreadable(status: 502).shaped(for: self.pair.client).jsonBody
        }
        let events: [AnswerEvent] =
            switch self.pair.provider {
            case .openAIChat: OpenAIChatStreamReader.answer(json)
            case .openAIResponses: ResponsesStreamReader.answer(json)
            case .anthropicMessages: AnthropicStreamReader.answer(json)
            case .gemini: GeminiStreamReader.answer(json)
            }
        let answer: JSONValue =
            switch self.pair.client {
            case .openAIChat: OpenAIChatMessageWriter.body(events, model: self.model, created: self.created)
            case .openAIResponses: ResponsesStreamWriter.answer(events, model: self.model, created: self.created)
            case .anthropicMessages: AnthropicMessageWriter.body(events, model: self.model)
            case .gemini: GeminiStreamWriter.answer(events, model: self.model)
            }
        return Array(answer.jsonText.utf8)
    }
}

extension ResponseTranslator.Writer {
    fileprivate mutating func write(_ event: AnswerEvent, into out: inout [UInt8]) {
        switch self {
        case .openAIChat(var writer):
            writer.write(event, into: &out)
            self = .openAIChat(writer)
        case .responses(var writer):
            writer.write(event, into: &out)
            self = .responses(writer)
        case .anthropic(var writer):
            writer.write(event, into: &out)
            self = .anthropic(writer)
        case .gemini(var writer):
            writer.write(event, into: &out)
            self = .gemini(writer)
        }
    }

    fileprivate mutating func finish(into out: inout [UInt8]) {
        switch self {
        case .openAIChat(var writer):
            writer.finish(into: &out)
            self = .openAIChat(writer)
        case .responses(var writer):
            writer.finish(into: &out)
            self = .responses(writer)
        case .anthropic(var writer):
            writer.finish(into: &out)
            self = .anthropic(writer)
        case .gemini(var writer):
            writer.finish(into: &out)
            self = .gemini(writer)
        }
    }
}
