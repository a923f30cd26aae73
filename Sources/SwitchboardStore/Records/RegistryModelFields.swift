import Foundation
import SwitchboardCore

/// A registry model's fields as the API shows them and the store keeps them (`body`), without a literal API
/// key, which is sealed apart (only its masked hint is kept here).
public struct RegistryModelFields: Sendable {
    public var provider: String
    public var model: String
    /// A `{{ .env.NAME }}` reference, kept as written and read from the environment when routing.
    public var apiKeyReference: String?
    /// `sk-a********wxyz` for a literal key sealed apart.
    public var apiKeyHint: String?
    public var apiURL: String?
    public var params: [(key: String, value: JSONValue)] = []
    public var organization: String?
    public var maxToolIterations = 0
    /// The model's own prices (`ModelPricingConfig` or flat `request_token`/`response_token`, cents per token).
    public var pricing: JSONValue?

    /// The gateway's provider id for a registry provider name (`xai` is `x-ai` here).
    public static func providerID(_ name: String) -> String { name == "xai" ? "x-ai" : name }

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    /// Reads a stored body.
    public init?(json: String) {
        guard let body = JSONValue(parsing: Array(json.utf8)), let provider = body["provider"]?.string,
            let model = body["model"]?.string
        else { return nil }
        self.provider = provider
        self.model = model
        self.apiKeyReference = body["api_key"]?.string
        self.apiKeyHint = body["api_key_hint"]?.string
        self.apiURL = body["api_url"]?.string
        self.params = body["params"]?.members ?? []
        self.organization = body["organization"]?.string
        self.maxToolIterations = body["max_tool_iterations"]?.int ?? 0
        self.pricing = body["pricing"]
    }

    /// The stored body.
    public var json: String {
        var members: [(key: String, value: JSONValue)] = [
            ("provider", .string(self.provider)), ("model", .string(self.model)),
        ]
        if let reference = self.apiKeyReference { members.append(("api_key", .string(reference))) }
        if let hint = self.apiKeyHint { members.append(("api_key_hint", .string(hint))) }
        if let url = self.apiURL { members.append(("api_url", .string(url))) }
        if !self.params.isEmpty { members.append(("params", .object(self.params))) }
        if let organization = self.organization { members.append(("organization", .string(organization))) }
        if self.maxToolIterations > 0 {
            members.append(("max_tool_iterations", .number(Double(self.maxToolIterations))))
        }
        return JSONValue.object(members).jsonText
    }

    /// What routing needs: provider, address, model, and the params as body defaults (OpenAI names; `stop_words`
    /// is `stop`; lengths, `candidate_count` and `metadata` have no chat-completions field and are left out).
    public func routable(
        id: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> RegistryModel {
        var url = self.apiURL.flatMap(UpstreamURL.init(parsing:))
        // Ollama's address is usually given bare; its OpenAI-compatible API is under /v1.
        if self.provider == "ollama", url?.basePath.isEmpty == true { url?.basePath = "/v1" }
        var defaults: [(key: String, json: [UInt8])] = []
        for (key, value) in self.params {
            switch key {
            case "min_length", "max_length", "candidate_count", "metadata": continue
            case "stop_words": defaults.append(("stop", Array(value.jsonText.utf8)))
            default: defaults.append((key, Array(value.jsonText.utf8)))
            }
        }
        return RegistryModel(
            id: id,
            provider: Self.providerID(self.provider),
            model: self.model,
            apiKey: self.apiKeyReference.flatMap(Self.environmentName).flatMap { environment[$0] },
            baseURL: url,
            defaults: defaults
        )
    }

    /// `NAME` of a `{{ .env.NAME }}` reference.
    public static func environmentName(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") else { return nil }
        let inner = trimmed.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces)
        guard inner.hasPrefix(".env."), inner.count > 5 else { return nil }
        return String(inner.dropFirst(5))
    }
}
