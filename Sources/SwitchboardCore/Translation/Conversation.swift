/// A model request in no protocol's shape: what a translator reads from a client's body and writes for a provider
/// of another protocol (docs/translation.md). Only a pair that needs translating goes through it; a native pair
/// is forwarded byte for byte. Fields no target can carry are kept in ``extra`` only when the source and target
/// agree on them; the translators say what they drop.
public struct Conversation: Sendable, Equatable {
    public var model: String?
    /// System prompts and instructions, in order.
    public var system: [String] = []
    public var messages: [Message] = []
    public var tools: [Tool] = []
    public var toolChoice: ToolChoice?
    public var parallelToolCalls: Bool?
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var stop: [String] = []
    public var stream = false
    /// A streamed OpenAI chat client asked for the usage chunk (`stream_options.include_usage`).
    public var includeUsage = false
    /// Structured output: `nil`, `{"type":"json_object"}`, or a JSON schema with its name.
    public var responseFormat: ResponseFormat?
    /// Extended thinking / reasoning budget, when asked for.
    public var thinking: Thinking?
    public var user: String?

    public init() {}

    public struct Message: Sendable, Equatable {
        public enum Role: String, Sendable {
            case user, assistant
        }
        public var role: Role
        public var parts: [Part]

        public init(_ role: Role, _ parts: [Part]) {
            self.role = role
            self.parts = parts
        }
    }

    /// One piece of a message's content.
    public enum Part: Sendable, Equatable {
        case text(String)
        /// An image by URL or inline (`data` base64 with its media type).
        case image(Media)
        /// A document (PDF …) by URL or inline.
        case document(Media)
        /// The model asked for a tool: its call id, name and arguments (JSON text, as the model wrote it).
        case toolCall(id: String, name: String, arguments: String)
        /// What a tool returned for call `id`.
        case toolResult(id: String, content: [Part], isError: Bool)
        /// The model's reasoning, with the signature a provider needs to accept it back in a later turn.
        case thinking(text: String, signature: String?)
        /// Reasoning the provider keeps encrypted.
        case redactedThinking(data: String)
    }

    public enum Media: Sendable, Equatable {
        case url(String)
        case inline(mediaType: String, base64: String)

        /// A `data:` URL for an inline medium, or the URL.
        public var url: String {
            switch self {
            case .url(let url): url
            case .inline(let mediaType, let data): "data:\(mediaType);base64,\(data)"
            }
        }

        /// Reads a URL that may be a `data:<type>;base64,<data>` URL.
        public init(url: String) {
            if url.hasPrefix("data:"), let comma = url.firstIndex(of: ","),
                url[..<comma].hasSuffix(";base64")
            {
                let type = url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(7)
                self = .inline(mediaType: String(type), base64: String(url[url.index(after: comma)...]))
            } else {
                self = .url(url)
            }
        }
    }

    public struct Tool: Sendable, Equatable {
        public var name: String
        public var description: String?
        /// The JSON schema of the arguments.
        public var parameters: JSONValue
        public var strict: Bool?

        public init(name: String, description: String? = nil, parameters: JSONValue, strict: Bool? = nil) {
            self.name = name
            self.description = description
            self.parameters = parameters
            self.strict = strict
        }
    }

    public enum ToolChoice: Sendable, Equatable {
        case auto, none, required
        case tool(String)
    }

    public enum ResponseFormat: Sendable, Equatable {
        case jsonObject
        case jsonSchema(name: String, schema: JSONValue, strict: Bool?)
    }

    public struct Thinking: Sendable, Equatable {
        /// Anthropic's `budget_tokens`; estimated from an effort when the client sent one.
        public var budgetTokens: Int?
        /// OpenAI's `reasoning_effort`.
        public var effort: String?

        public init(budgetTokens: Int? = nil, effort: String? = nil) {
            self.budgetTokens = budgetTokens
            self.effort = effort
        }
    }
}

/// Why an answer ended, in no protocol's words.
public enum StopReason: String, Sendable, Equatable {
    case endTurn, maxTokens, toolUse, stopSequence, contentFilter, pauseTurn, refusal

    /// OpenAI chat's `finish_reason`.
    public var openAI: String {
        switch self {
        case .endTurn, .stopSequence, .pauseTurn: "stop"
        case .maxTokens: "length"
        case .toolUse: "tool_calls"
        case .contentFilter, .refusal: "content_filter"
        }
    }

    /// Anthropic's `stop_reason`.
    public var anthropic: String {
        switch self {
        case .endTurn, .contentFilter: "end_turn"
        case .maxTokens: "max_tokens"
        case .toolUse: "tool_use"
        case .stopSequence: "stop_sequence"
        case .pauseTurn: "pause_turn"
        case .refusal: "refusal"
        }
    }

    public init(openAI reason: String) {
        switch reason {
        case "length": self = .maxTokens
        case "tool_calls", "function_call": self = .toolUse
        case "content_filter": self = .contentFilter
        default: self = .endTurn
        }
    }

    public init(anthropic reason: String) {
        switch reason {
        case "max_tokens", "model_context_window_exceeded": self = .maxTokens
        case "tool_use": self = .toolUse
        case "stop_sequence": self = .stopSequence
        case "pause_turn": self = .pauseTurn
        case "refusal": self = .refusal
        default: self = .endTurn
        }
    }
}
