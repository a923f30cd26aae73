import SwitchboardCore
import SwitchboardStore

/// The API's model object (`ModelDTO`): empty fields left out, a literal key shown masked.
struct RegistryModelItem: Encodable {
    var resource = "model"
    var id: String
    var provider: String
    var model: String
    var api_key: String?
    var api_url: String?
    var params: JSONValue?
    var organization: String?
    var `default`: Bool?
    var max_tool_iterations: Int?
    /// In listings only.
    var etag: String?

    init(_ fields: RegistryModelFields, isDefault: Bool, etag: String? = nil) {
        self.id = "\(fields.provider):\(fields.model)"
        self.provider = fields.provider
        self.model = fields.model
        self.api_key = fields.apiKeyReference ?? fields.apiKeyHint
        self.api_url = fields.apiURL
        self.params = fields.params.isEmpty ? nil : .object(fields.params)
        self.organization = fields.organization
        self.default = isDefault ? true : nil
        self.max_tool_iterations = fields.maxToolIterations > 0 ? fields.maxToolIterations : nil
        self.etag = etag
    }

    /// A stored model; `nil` for a body an older build wrote differently.
    init?(_ stored: StoredRegistryModel, withETag: Bool) {
        guard let fields = RegistryModelFields(json: stored.body) else { return nil }
        self.init(fields, isDefault: stored.isDefault, etag: withETag ? stored.etag : nil)
    }
}

/// The registry's success envelope: `{status, message, data}`.
struct RegistryEnvelope<Data: Encodable>: Encodable {
    var status: Int
    var message: String
    var data: Data
}

struct RegistryPage: Encodable {
    struct Page: Encodable {
        var limit: Int
        var total: Int?
        var next_cursor: String?
        var prev_cursor: String?
    }
    var models: [RegistryModelItem]
    var page: Page
}
