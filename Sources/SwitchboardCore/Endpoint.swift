/// The data-plane operation a request path names, after the `/v1` or `/api/v1` prefix.
public enum Endpoint: Sendable, Equatable {
    case chatCompletions
    case completions
    case embeddings
    case models
    case responses
    case messages
    /// Any other path under the API prefix: forwarded as-is to the chosen provider.
    case passthrough

    /// What an incoming request path is, and the part of it to send upstream.
    public struct Match: Sendable, Equatable {
        public var endpoint: Endpoint
        /// The path after the API prefix, starting with `/`, query included (e.g. `/chat/completions`).
        public var upstreamPath: Substring
    }

    /// Classifies `uri` (path and query as received). Returns `nil` for paths outside `/v1` and `/api/v1`.
    public static func match(uri: String) -> Match? {
        let rest: Substring
        if uri.hasPrefix("/v1/") {
            rest = uri.dropFirst(3)
        } else if uri.hasPrefix("/api/v1/") {
            rest = uri.dropFirst(7)
        } else {
            return nil
        }
        let path = rest.firstIndex(of: "?").map { rest[..<$0] } ?? rest
        let endpoint: Endpoint =
            switch path {
            case "/chat/completions": .chatCompletions
            case "/completions": .completions
            case "/embeddings": .embeddings
            case "/models": .models
            case "/responses": .responses
            case "/messages": .messages
            default: .passthrough
            }
        return Match(endpoint: endpoint, upstreamPath: rest)
    }

    /// Whether the body is JSON the gateway reads for routing (model, stream) before forwarding.
    public var inspectsBody: Bool {
        switch self {
        case .chatCompletions, .completions, .embeddings, .responses, .messages: true
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
        case .passthrough: "passthrough"
        }
    }
}
