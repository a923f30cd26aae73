/// Reads an OpenAI chat-completions stream (or a whole JSON answer) as ``AnswerEvent``s: text, reasoning
/// (`reasoning_content` / `reasoning`, as DeepSeek, vLLM and OpenRouter send it), tool calls and their argument
/// pieces, the finish reason, usage, an error event.
public struct OpenAIChatStreamReader: Sendable {
    private var splitter = ServerSentEventSplitter()
    private var started = false
    /// The provider's tool-call indexes seen, in order: an answer's calls are numbered from 0 here.
    private var toolIndexes: [Int] = []

    public init() {}

    public mutating func consume(_ bytes: UnsafeRawBufferPointer, _ emit: (AnswerEvent) -> Void) {
        for chunk in self.splitter.json(bytes) { self.chunk(chunk, emit) }
    }

    /// One chunk of a stream.
    mutating func chunk(_ chunk: JSONValue, _ emit: (AnswerEvent) -> Void) {
        if let error = chunk["error"], chunk["choices"] == nil {
            emit(.error(message: error["message"]?.string ?? error.string ?? "The provider reported an error."))
            return
        }
        if !self.started {
            self.started = true
            emit(.start(id: chunk["id"]?.string ?? "", model: chunk["model"]?.string ?? ""))
        }
        for choice in chunk["choices"]?.array ?? [] where (choice["index"]?.int ?? 0) == 0 {
            let delta = choice["delta"] ?? choice["message"] ?? .null
            if let reasoning = delta["reasoning_content"]?.string ?? delta["reasoning"]?.string, !reasoning.isEmpty {
                emit(.thinking(reasoning))
            }
            if let text = delta["content"]?.string, !text.isEmpty { emit(.text(text)) }
            for call in delta["tool_calls"]?.array ?? [] {
                let providerIndex = call["index"]?.int ?? self.toolIndexes.count
                if !self.toolIndexes.contains(providerIndex) {
                    self.toolIndexes.append(providerIndex)
                    emit(
                        .toolCall(
                            index: self.toolIndexes.count - 1,
                            id: call["id"]?.string ?? "call_\(self.toolIndexes.count - 1)",
                            name: call["function"]?["name"]?.string ?? ""
                        )
                    )
                }
                if let arguments = call["function"]?["arguments"]?.string, !arguments.isEmpty,
                    let index = self.toolIndexes.firstIndex(of: providerIndex)
                {
                    emit(.toolArguments(index: index, arguments))
                }
            }
            if let reason = choice["finish_reason"]?.string { emit(.stop(StopReason(openAI: reason))) }
        }
        if let usage = chunk["usage"], usage.members != nil { emit(.usage(AnswerUsage(openAI: usage))) }
    }

    /// A whole (non-streamed) chat completion as the same events.
    public static func answer(_ body: JSONValue) -> [AnswerEvent] {
        var reader = OpenAIChatStreamReader()
        var events: [AnswerEvent] = []
        reader.chunk(body) { events.append($0) }
        return events
    }
}
