/// The data-plane operation a request path names, after the `/v1` or `/api/v1` prefix.
public enum Endpoint: Sendable, Equatable {
    case chatCompletions
    case completions
    case embeddings
    case models
    case responses
    case messages
    /// Anthropic's `messages/count_tokens`: forwarded to Anthropic-kind providers, estimated for the others.
    case countTokens
    /// Gemini's `models/{model}:generateContent` and `:streamGenerateContent` (``GeminiPath``).
    case generateContent
    /// Any other path under the API prefix: forwarded as-is to the chosen provider.
    case passthrough

    /// What an incoming request path is, and the part of it to send upstream.
    public struct Match: Sendable, Equatable {
        public var endpoint: Endpoint
        /// The path after the API prefix, starting with `/`, query included (e.g. `/chat/completions`).
        public var upstreamPath: Substring
    }

    /// Classifies `uri` (path and query as received). Returns `nil` for paths outside `/v1`, `/api/v1` and Gemini's
    /// `/v1beta`.
    public static func match(uri: String) -> Match? {
        // Compared as bytes: every request is classified, and the paths are ASCII.
        let utf8 = uri.utf8
        let prefixLength: Int
        if utf8.starts(with: "/v1/".utf8) {
            prefixLength = 3
        } else if utf8.starts(with: "/api/v1/".utf8) {
            prefixLength = 7
        } else if utf8.starts(with: "/v1beta/".utf8) {
            prefixLength = 7
        } else {
            return nil
        }
        let start = utf8.index(utf8.startIndex, offsetBy: prefixLength)
        let rest = uri[start...]
        let path = rest.utf8.firstIndex(of: UInt8(ascii: "?")).map { rest.utf8[..<$0] } ?? rest.utf8[...]
        let endpoint: Endpoint =
            if path.elementsEqual("/chat/completions".utf8) {
                .chatCompletions
            } else if path.elementsEqual("/completions".utf8) {
                .completions
            } else if path.elementsEqual("/embeddings".utf8) {
                .embeddings
            } else if path.elementsEqual("/models".utf8) {
                .models
            } else if path.elementsEqual("/responses".utf8) {
                .responses
            } else if path.elementsEqual("/messages".utf8) {
                .messages
            } else if path.elementsEqual("/messages/count_tokens".utf8) {
                .countTokens
            } else if path.starts(with: "/models/".utf8), GeminiPath(rest) != nil {
                .generateContent
            } else {
                .passthrough
            }
        return Match(endpoint: endpoint, upstreamPath: rest)
    }

    /// Whether the body is JSON the gateway reads for routing (model, stream) before forwarding.
    public var inspectsBody: Bool {
        switch self {
        case .chatCompletions, .completions, .embeddings, .responses, .messages, .countTokens, .generateContent: true
        case .models, .passthrough: false
        }
    }

    /// A stable, bounded label for logs and metrics.
    public var label: String {
        switch self {
        case .chatCompletions: "chat/completions"
        case .completions: "completions"
        case .embeddings: "embeddings"
        case .models: "models"
        case .responses: "responses"
        case .messages: "messages"
        case .countTokens: "count_tokens"
        case .generateContent: "generateContent"
        case .passthrough: "passthrough"
        }
    }
}
