/// One step of a model's answer in no protocol's shape: what a stream reader makes of a provider's events (or of
/// a whole JSON answer) and a stream writer turns into the client protocol's events.
public enum AnswerEvent: Sendable, Equatable {
    /// The answer's id and model, once, first.
    case start(id: String, model: String)
    case text(String)
    case thinking(String)
    /// The signature that closes a thinking block.
    case thinkingSignature(String)
    /// A tool call begins: its position among the answer's calls, its id and name.
    case toolCall(index: Int, id: String, name: String)
    /// More of tool call `index`'s arguments (JSON text, in pieces).
    case toolArguments(index: Int, String)
    case stop(StopReason)
    case usage(AnswerUsage)
    /// The provider reported an error inside the stream.
    case error(message: String)
}

/// Token counts as a provider reports them, in one convention: `input` excludes cache reads and writes
/// (Anthropic's), so that OpenAI's `prompt_tokens` = input + cacheRead.
public struct AnswerUsage: Sendable, Equatable {
    public var input = 0
    public var output = 0
    public var cacheRead = 0
    public var cacheWrite = 0
    public var reasoning = 0

    public init(input: Int = 0, output: Int = 0, cacheRead: Int = 0, cacheWrite: Int = 0, reasoning: Int = 0) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.reasoning = reasoning
    }

    /// Anthropic's `usage` object.
    public var anthropic: JSONValue {
        .object([
            ("input_tokens", .number(Double(self.input))),
            ("cache_creation_input_tokens", .number(Double(self.cacheWrite))),
            ("cache_read_input_tokens", .number(Double(self.cacheRead))),
            ("output_tokens", .number(Double(self.output))),
        ])
    }

    /// OpenAI chat's `usage` object: the prompt counts every input token, cache reads and writes included.
    public var openAI: JSONValue {
        let prompt = self.input + self.cacheRead + self.cacheWrite
        return .object([
            ("prompt_tokens", .number(Double(prompt))),
            ("completion_tokens", .number(Double(self.output))),
            ("total_tokens", .number(Double(prompt + self.output))),
            ("prompt_tokens_details", .object([("cached_tokens", .number(Double(self.cacheRead)))])),
            ("completion_tokens_details", .object([("reasoning_tokens", .number(Double(self.reasoning)))])),
        ])
    }

    /// From an OpenAI `usage` object (chat or Responses names).
    public init(openAI usage: JSONValue) {
        let prompt = usage["prompt_tokens"]?.int ?? usage["input_tokens"]?.int ?? 0
        let details = usage["prompt_tokens_details"] ?? usage["input_tokens_details"]
        self.cacheRead = details?["cached_tokens"]?.int ?? 0
        self.input = max(0, prompt - self.cacheRead)
        self.output = usage["completion_tokens"]?.int ?? usage["output_tokens"]?.int ?? 0
        let output = usage["completion_tokens_details"] ?? usage["output_tokens_details"]
        self.reasoning = output?["reasoning_tokens"]?.int ?? 0
    }
}
