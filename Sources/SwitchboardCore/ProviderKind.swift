/// The wire dialect a provider speaks; decides how credentials are sent and which endpoints it serves.
public enum ProviderKind: String, Sendable, CaseIterable {
    /// Any OpenAI-compatible server (OpenAI, Groq, Together, vLLM, Ollama, LM Studio, OpenRouter …): chat
    /// completions and Responses requests go natively; Messages requests are translated to chat completions.
    case openai
    /// An OpenAI-compatible server with chat completions only: Responses requests are translated to chat too.
    case openaiChat = "openai-chat"
    /// A server spoken to in OpenAI's Responses API only: chat and Messages requests are translated to it.
    case openaiResponses = "openai-responses"
    /// Anthropic's API: `x-api-key` and `anthropic-version` headers, `/v1/messages` (chat completions are
    /// translated to it).
    case anthropic
    /// Google's Gemini API (AI Studio): `x-goog-api-key`, `models/{model}:generateContent`; every other protocol
    /// is translated to it.
    case gemini
    /// The bundled demo provider, started in-process; speaks both dialects.
    case mock

    /// Whether a provider of this kind serves `endpoint` natively.
    public func serves(_ endpoint: Endpoint) -> Bool {
        switch (self, endpoint) {
        case (.mock, _), (_, .countTokens): true
        // Messages requests are translated to chat completions (docs/translation.md).
        case (.openai, _), (.openaiChat, _), (.openaiResponses, _): true
        case (.anthropic, .messages), (.anthropic, .chatCompletions), (.anthropic, .responses),
            (.anthropic, .generateContent), (.anthropic, .models),
            (.anthropic, .passthrough):
            true
        case (.anthropic, _): false
        case (.gemini, .chatCompletions), (.gemini, .messages), (.gemini, .responses), (.gemini, .generateContent),
            (.gemini, .passthrough):
            true
        case (.gemini, _): false
        }
    }

    /// The headers that carry `apiKey` to a provider of this kind.
    public func credentialHeaders(apiKey: String) -> [HeaderField] {
        switch self {
        case .openai, .openaiChat, .openaiResponses, .mock:
            [HeaderField(name: "authorization", value: "Bearer \(apiKey)")]
        case .anthropic: [HeaderField(name: "x-api-key", value: apiKey)]
        case .gemini: [HeaderField(name: "x-goog-api-key", value: apiKey)]
        }
    }

    /// Headers the provider needs on every request unless the client sent its own.
    public var defaultHeaders: [HeaderField] {
        switch self {
        case .anthropic: [HeaderField(name: "anthropic-version", value: "2023-06-01")]
        case .openai, .openaiChat, .openaiResponses, .gemini, .mock: []
        }
    }
}

/// A header name and value; names are kept lowercase.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name.lowercased()
        self.value = value
    }
}

/// Provider ids that Portkey clients send in `x-portkey-provider`, with their public base URLs, so that
/// `x-portkey-provider: openai` plus the client's own key works without any configuration.
public enum KnownProviders {
    public static let all: [String: (kind: ProviderKind, baseURL: String)] = [
        "openai": (.openai, "https://api.openai.com/v1"),
        "anthropic": (.anthropic, "https://api.anthropic.com/v1"),
        "groq": (.openai, "https://api.groq.com/openai/v1"),
        "mistral-ai": (.openai, "https://api.mistral.ai/v1"),
        "together-ai": (.openai, "https://api.together.xyz/v1"),
        "deepseek": (.openai, "https://api.deepseek.com/v1"),
        "fireworks-ai": (.openai, "https://api.fireworks.ai/inference/v1"),
        "perplexity-ai": (.openai, "https://api.perplexity.ai"),
        "openrouter": (.openai, "https://openrouter.ai/api/v1"),
        "x-ai": (.openai, "https://api.x.ai/v1"),
        "cerebras": (.openai, "https://api.cerebras.ai/v1"),
        "google": (.openai, "https://generativelanguage.googleapis.com/v1beta/openai"),
        "gemini": (.gemini, "https://generativelanguage.googleapis.com/v1beta"),
        "ollama": (.openai, "http://localhost:11434/v1"),
        "lm-studio": (.openai, "http://localhost:1234/v1"),
    ]
}
