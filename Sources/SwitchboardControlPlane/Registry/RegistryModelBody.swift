import SwitchboardCore
import SwitchboardStore

/// `PUT /api/v0/models/{id}`: the whole model (fields left out are cleared). Unknown fields and params are
/// refused, so a typo is not silently dropped.
struct RegistryModelBody: Decodable {
    var id: String?
    var provider: String
    var model: String
    var apiKey: String?
    var apiURL: String?
    var params: [(key: String, value: JSONValue)] = []
    var organization: String?
    var isDefault = false
    var maxToolIterations = 0
    var pricing: JSONValue?

    /// `params` keys and what each must hold.
    static let paramKinds: [String: String] = [
        "max_tokens": "integer", "temperature": "number", "top_p": "number", "top_k": "integer", "seed": "integer",
        "stop_words": "strings", "min_length": "integer", "max_length": "integer", "repetition_penalty": "number",
        "frequency_penalty": "number", "presence_penalty": "number", "n": "integer", "candidate_count": "integer",
        "metadata": "object",
    ]

    private static let fields: Set<String> = [
        "id", "resource", "etag", "provider", "model", "api_key", "api_url", "params", "organization", "default",
        "max_tool_iterations", "pricing",
    ]

    init(from decoder: any Decoder) throws {
        let body = try JSONValue(from: decoder)
        guard let members = body.members else {
            throw APIFailure(400, "invalid request body: send a JSON object with the model's fields.")
        }
        if let unknown = members.first(where: { !Self.fields.contains($0.key) }) {
            let known = Self.fields.subtracting(["id", "resource", "etag"]).sorted().joined(separator: ", ")
            throw APIFailure(400, "unknown field '\(unknown.key)'; a model has \(known).")
        }
        func string(_ key: String) throws -> String? {
            guard let value = body[key], value != .null else { return nil }
            guard let text = value.string else {
                throw APIFailure(400, "'\(key)' must be a string, not \(value.typeName).")
            }
            return text
        }
        guard let provider = try string("provider"), !provider.isEmpty else {
            throw APIFailure(
                400,
                "'provider' is required (e.g. openai, anthropic, groq, ollama, or a provider of the config file)."
            )
        }
        guard let model = try string("model"), !model.isEmpty else {
            throw APIFailure(400, "'model' is required: the provider's model name.")
        }
        self.provider = provider
        self.model = model
        self.id = try string("id")
        self.apiKey = try string("api_key").flatMap { $0.isEmpty ? nil : $0 }
        self.apiURL = try string("api_url").flatMap { $0.isEmpty ? nil : $0 }
        if let url = self.apiURL, UpstreamURL(parsing: url) == nil {
            throw APIFailure(400, "'api_url' must be an http:// or https:// URL.")
        }
        self.organization = try string("organization")
        if let value = body["max_tool_iterations"], value != .null {
            guard let count = value.int, count >= 0 else {
                throw APIFailure(400, "'max_tool_iterations' must be an integer ≥ 0.")
            }
            self.maxToolIterations = count
        }
        if let pricing = body["pricing"], pricing != .null {
            guard ModelPrice(pricing) != nil else {
                throw APIFailure(400, "'pricing' needs request_token and response_token prices (US cents per token).")
            }
            self.pricing = pricing
        }
        if let value = body["default"], value != .null {
            guard let flag = value.bool else { throw APIFailure(400, "'default' must be true or false.") }
            self.isDefault = flag
        }
        if let params = body["params"], params != .null {
            guard let members = params.members else { throw APIFailure(400, "'params' must be an object.") }
            for (key, value) in members { try Self.check(param: key, value) }
            self.params = members.sorted { $0.key < $1.key }
        }
    }

    private static func check(param key: String, _ value: JSONValue) throws {
        guard let kind = Self.paramKinds[key] else {
            throw APIFailure(
                400,
                "unknown params key '\(key)'; known: \(Self.paramKinds.keys.sorted().joined(separator: ", "))."
            )
        }
        let fits: Bool
        switch kind {
        case "integer": fits = value.int != nil
        case "number": fits = value.number != nil
        case "strings": fits = value.array?.allSatisfy { $0.string != nil } ?? false
        default: fits = value.members != nil
        }
        let phrase =
            ["integer": "an integer", "number": "a number", "strings": "an array of strings"][kind] ?? "an object"
        guard fits else { throw APIFailure(400, "'params.\(key)' must be \(phrase).") }
    }

    /// The fields the store keeps; a literal key is the caller's to seal.
    var fields: RegistryModelFields {
        var fields = RegistryModelFields(provider: self.provider, model: self.model)
        if let key = self.apiKey, RegistryModelFields.environmentName(key) != nil { fields.apiKeyReference = key }
        fields.apiURL = self.apiURL
        fields.organization = self.organization
        fields.maxToolIterations = self.maxToolIterations
        fields.pricing = self.pricing
        fields.params = self.params
        return fields
    }

    /// A literal API key (not an environment reference), to be sealed apart.
    var literalKey: String? {
        self.apiKey.flatMap { RegistryModelFields.environmentName($0) == nil ? $0 : nil }
    }
}
