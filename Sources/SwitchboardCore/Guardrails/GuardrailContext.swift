/// When a guardrail runs: on the request before it goes upstream, or on the answer (spec/portkey.md B9).
public enum HookEvent: String, Sendable, Equatable {
    case beforeRequest = "beforeRequestHook"
    case afterRequest = "afterRequestHook"
}

/// What a guardrail check sees (docs/guardrails.md): the request as JSON, the answer as JSON (or a streamed
/// answer's text), the request's type in Portkey's words and its metadata. The text a check reads is Portkey's:
/// the last message of the request, or the first choice of the answer.
public struct GuardrailContext: Sendable {
    /// Portkey's request types: `chatComplete`, `complete`, `messages`, `embed`, `createModelResponse`, …
    public var requestType: String
    public var request: JSONValue
    public var response: JSONValue?
    /// A streamed answer's text, gathered as it was relayed; output checks of streams read it.
    public var responseText: String?
    public var metadata: [(key: String, value: JSONValue)]

    public init(
        requestType: String,
        request: JSONValue,
        response: JSONValue? = nil,
        responseText: String? = nil,
        metadata: [(key: String, value: JSONValue)] = []
    ) {
        self.requestType = requestType
        self.request = request
        self.response = response
        self.responseText = responseText
        self.metadata = metadata
    }

    /// Portkey's request type of a client endpoint.
    public static func requestType(of endpoint: Endpoint?) -> String {
        switch endpoint {
        case .chatCompletions: "chatComplete"
        case .completions: "complete"
        case .embeddings: "embed"
        case .messages: "messages"
        case .responses: "createModelResponse"
        case .countTokens: "messagesCountTokens"
        case .generateContent: "generateContent"
        case .models: "listModels"
        case .passthrough, nil: "proxy"
        }
    }

    /// The request's `model`.
    public var model: String? { self.request["model"]?.string }

    /// The content a check reads at `event`, and its texts: the request's last message (or prompt, or input), or
    /// the answer's first choice.
    public func contentPart(_ event: HookEvent) -> (content: JSONValue?, texts: [String]) {
        switch event {
        case .beforeRequest: return Self.requestPart(self.request, type: self.requestType)
        case .afterRequest:
            if let text = self.responseText { return (.string(text), [text]) }
            guard let response = self.response else { return (nil, []) }
            return Self.responsePart(response, type: self.requestType)
        }
    }

    /// The text a check reads at `event`: the content part's texts, the empty ones left out, one per line.
    public func text(_ event: HookEvent) -> String {
        self.contentPart(event).texts.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    private static func requestPart(_ json: JSONValue, type: String) -> (JSONValue?, [String]) {
        switch type {
        case "chatComplete", "messages":
            guard let content = json["messages"]?.array?.last?["content"] else { return (nil, []) }
            return (content, Self.texts(content))
        case "createModelResponse":
            guard let input = json["input"] else { return (nil, []) }
            if input.string != nil { return (input, Self.texts(input)) }
            guard let content = input.array?.last?["content"] else { return (nil, []) }
            return (content, Self.texts(content))
        case "complete":
            guard let prompt = json["prompt"] else { return (nil, []) }
            return (prompt, Self.texts(prompt))
        case "embed":
            guard let input = json["input"] else { return (nil, []) }
            return (input, Self.texts(input))
        default:
            return (nil, [])
        }
    }

    private static func responsePart(_ json: JSONValue, type: String) -> (JSONValue?, [String]) {
        switch type {
        case "chatComplete":
            guard let content = json["choices"]?.array?.first?["message"]?["content"] else { return (nil, []) }
            return (content, Self.texts(content))
        case "complete":
            guard let text = json["choices"]?.array?.first?["text"] else { return (nil, []) }
            return (text, Self.texts(text))
        case "messages":
            guard let content = json["content"] else { return (nil, []) }
            return (content, Self.texts(content))
        case "createModelResponse":
            let parts = (json["output"]?.array ?? []).flatMap { $0["content"]?.array ?? [] }
            return (.array(parts), parts.compactMap { $0["text"]?.string })
        default:
            return (nil, [])
        }
    }

    /// A string; the strings of an array; or the `text` of each part (an empty string for parts without one).
    private static func texts(_ content: JSONValue) -> [String] {
        if let text = content.string { return [text] }
        return (content.array ?? []).map { $0.string ?? $0["text"]?.string ?? "" }
    }
}
