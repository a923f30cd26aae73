/// A config's `cache` (spec/portkey.md B6): `{"mode": "simple" | "semantic", "max_age": seconds}`, or the string
/// `"simple"`. `max_age` is in seconds as Portkey's documents say (its open-source gateway reads milliseconds).
/// Semantic mode also names the embeddings model that turns prompts into vectors (`embedding_model`, routed like a
/// request's model), the cosine similarity that counts as the same question (`threshold`), and whether prompts of
/// more than one turn are matched (`multi_turn`, off: replaying an answer to a similar conversation is where
/// semantic caches go wrong).
public struct CacheSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// An identical request (same endpoint, provider, model, body and namespace) is answered from the cache.
        case simple
        /// Exact first, then a stored prompt close enough in meaning (docs/cache.md).
        case semantic
    }

    public var mode: Mode
    public var maxAgeSeconds: Int
    /// Semantic mode: the embeddings model, as a client would name it (`"openai/text-embedding-3-small"`).
    public var embeddingModel: String?
    /// Semantic mode: the least cosine similarity of two prompts' embeddings that is a match.
    public var threshold: Double
    /// Semantic mode: conversations of several turns are matched too (their whole text).
    public var multiTurn: Bool

    public static let defaultMaxAge = 604_800
    public static let maxAgeRange = 60...7_776_000
    public static let defaultThreshold = 0.95

    public init(
        mode: Mode,
        maxAgeSeconds: Int = Self.defaultMaxAge,
        embeddingModel: String? = nil,
        threshold: Double = Self.defaultThreshold,
        multiTurn: Bool = false
    ) {
        self.mode = mode
        self.maxAgeSeconds = maxAgeSeconds
        self.embeddingModel = embeddingModel
        self.threshold = threshold
        self.multiTurn = multiTurn
    }

    /// Reads a config's `cache` value.
    /// - Returns: the settings, or the problem with the field it names (relative to `cache`).
    public static func parse(_ value: JSONValue) -> Result<CacheSettings, CacheSettingsProblem> {
        if let text = value.string {
            guard let mode = Mode(rawValue: text) else { return .failure(.init(field: "", message: Self.modes)) }
            guard mode == .simple else { return .failure(.init(field: "embedding_model", message: Self.needsModel)) }
            return .success(CacheSettings(mode: mode))
        }
        guard let members = value.members else {
            return .failure(.init(field: "", message: "must be an object {mode, max_age} or the string \"simple\""))
        }
        var settings = CacheSettings(mode: .simple)
        var sawMode = false
        for (key, member) in members {
            switch key {
            case "mode":
                guard let text = member.string, let mode = Mode(rawValue: text) else {
                    return .failure(.init(field: "mode", message: Self.modes))
                }
                settings.mode = mode
                sawMode = true
            case "max_age":
                if case .null = member { continue }
                guard let seconds = member.int, Self.maxAgeRange.contains(seconds) else {
                    return .failure(
                        .init(
                            field: "max_age",
                            message: "must be a whole number of seconds from 60 to 7776000 (90 days)"
                        )
                    )
                }
                settings.maxAgeSeconds = seconds
            case "embedding_model":
                guard let model = member.string, !model.isEmpty else {
                    return .failure(.init(field: "embedding_model", message: "must be a model name (a string)"))
                }
                settings.embeddingModel = model
            case "threshold":
                guard let threshold = member.number, threshold > 0, threshold <= 1 else {
                    return .failure(.init(field: "threshold", message: "must be a number above 0 and at most 1"))
                }
                settings.threshold = threshold
            case "multi_turn":
                guard let multiTurn = member.bool else {
                    return .failure(.init(field: "multi_turn", message: "must be true or false"))
                }
                settings.multiTurn = multiTurn
            default:
                continue
            }
        }
        guard sawMode else { return .failure(.init(field: "mode", message: "is required: " + Self.modes)) }
        if settings.mode == .semantic, settings.embeddingModel == nil {
            return .failure(.init(field: "embedding_model", message: Self.needsModel))
        }
        return .success(settings)
    }

    private static let modes = "must be \"simple\" or \"semantic\""
    private static let needsModel =
        "is required in semantic mode: the embeddings model that turns prompts into vectors, named as a request"
        + " names its model (e.g. \"openai/text-embedding-3-small\")"
}

/// What is wrong with a `cache` value: the field under `cache` (empty for the value itself) and why.
public struct CacheSettingsProblem: Error, Sendable, Equatable {
    public var field: String
    public var message: String
}
