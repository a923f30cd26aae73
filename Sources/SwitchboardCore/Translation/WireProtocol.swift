/// A model API as it is spoken on the wire: what a client sends and what a provider kind understands. A request
/// whose client protocol is not one its provider speaks is translated (docs/translation.md).
public enum WireProtocol: String, Sendable, CaseIterable {
    case openAIChat = "openai-chat"
    case openAIResponses = "openai-responses"
    case anthropicMessages = "anthropic-messages"
    case gemini

    /// The path of the protocol's generation endpoint, after a provider's base path (`…/v1`, `…/v1beta`): Gemini's
    /// names the model and whether the answer streams.
    public func path(model: String, stream: Bool) -> Substring {
        switch self {
        case .openAIChat: "/chat/completions"
        case .openAIResponses: "/responses"
        case .anthropicMessages: "/messages"
        case .gemini: GeminiPath(model: model, stream: stream).path
        }
    }
}

extension Endpoint {
    /// The model protocol a request to this endpoint speaks; `nil` for endpoints that are never translated.
    public var wireProtocol: WireProtocol? {
        switch self {
        case .chatCompletions: .openAIChat
        case .responses: .openAIResponses
        case .messages: .anthropicMessages
        case .generateContent: .gemini
        case .completions, .embeddings, .models, .countTokens, .passthrough: nil
        }
    }
}

extension ProviderKind {
    /// The protocol a request in `client`'s protocol is sent to this kind in: its own when the kind speaks it,
    /// else the kind's main protocol.
    public func wireProtocol(for client: WireProtocol) -> WireProtocol {
        switch self {
        case .mock: client
        case .openai: client == .openAIResponses ? .openAIResponses : .openAIChat
        case .openaiChat: .openAIChat
        case .openaiResponses: .openAIResponses
        case .anthropic: .anthropicMessages
        case .gemini: .gemini
        }
    }
}

/// A client protocol and the provider protocol it is translated to; only pairs that differ exist.
public struct TranslationPair: Sendable, Equatable {
    public var client: WireProtocol
    public var provider: WireProtocol

    public init(client: WireProtocol, provider: WireProtocol) {
        self.client = client
        self.provider = provider
    }

    /// The pair for a request to `endpoint` sent to a provider of `kind`; `nil` when it goes natively.
    public init?(endpoint: Endpoint?, kind: ProviderKind) {
        guard let client = endpoint?.wireProtocol else { return nil }
        let provider = kind.wireProtocol(for: client)
        guard provider != client else { return nil }
        self.client = client
        self.provider = provider
    }
}

extension WireProtocol {
    /// Reads a request body of this protocol; a field that cannot be translated is a 400 naming it.
    public func readRequest(_ body: JSONValue) throws(GatewayError) -> Conversation {
        switch self {
        case .anthropicMessages: try AnthropicRequestReader.read(body)
        case .openAIChat: try OpenAIChatRequestReader.read(body)
        case .openAIResponses: try ResponsesRequestReader.read(body)
        case .gemini: try GeminiRequestReader.read(body)
        }
    }

    /// A request body of this protocol for `conversation`, calling `model`.
    public func writeRequest(_ conversation: Conversation, model: String?) -> JSONValue {
        switch self {
        case .openAIChat: OpenAIChatWriter.body(conversation, model: model)
        case .openAIResponses: ResponsesRequestWriter.body(conversation, model: model)
        case .anthropicMessages: AnthropicRequestWriter.body(conversation, model: model)
        case .gemini: GeminiRequestWriter.body(conversation)
        }
    }
}
