/// Which log records a listing or an analytics query covers (Portkey's filter vocabulary, C3).
public struct RequestLogFilter: Sendable {
    public var timeMin: String?
    public var timeMax: String?
    public var statusCodes: [Int] = []
    /// `provider__model` pairs.
    public var providerModels: [(provider: String, model: String)] = []
    public var traceID: String?
    public var spanID: String?
    public var configs: [String] = []
    public var apiKeyIDs: [String] = []
    public var virtualKeys: [String] = []
    public var costMin: Double?
    public var costMax: Double?
    public var tokensMin: Int?
    public var tokensMax: Int?
    public var promptTokensMin: Int?
    public var promptTokensMax: Int?
    public var completionTokensMin: Int?
    public var completionTokensMax: Int?
    /// Metadata members that must all match.
    public var metadata: [(key: String, value: String)] = []

    public init() {}
}
