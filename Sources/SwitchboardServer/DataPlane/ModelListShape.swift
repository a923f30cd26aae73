import SwitchboardCore

/// The model list in each client protocol's shape: OpenAI's `GET /v1/models`, Anthropic's (the same path, asked
/// with an `anthropic-version` header, as Anthropic's SDKs do) and Gemini's `GET /v1beta/models`. The same models
/// in each.
enum ModelListShape {
    case openAI, anthropic, gemini

    func render(_ models: [(id: String, owner: String)]) -> String {
        switch self {
        case .openAI:
            let items = models.map { model in
                #"{"id":"# + JSONString.quote(model.id) + #","object":"model","created":0,"owned_by":"#
                    + JSONString.quote(model.owner) + "}"
            }
            return #"{"object":"list","data":["# + items.joined(separator: ",") + "]}"
        case .anthropic:
            let items = models.map { model in
                #"{"type":"model","id":"# + JSONString.quote(model.id) + #","display_name":"#
                    + JSONString.quote(model.id) + #","created_at":"1970-01-01T00:00:00Z"}"#
            }
            let first = models.first.map { JSONString.quote($0.id) } ?? "null"
            let last = models.last.map { JSONString.quote($0.id) } ?? "null"
            return #"{"data":["# + items.joined(separator: ",")
                + #"],"has_more":false,"first_id":\#(first),"last_id":\#(last)}"#
        case .gemini:
            let items = models.map { model in
                #"{"name":"# + JSONString.quote("models/" + model.id) + #","displayName":"# + JSONString.quote(model.id)
                    + #","supportedGenerationMethods":["generateContent","streamGenerateContent"]}"#
            }
            return #"{"models":["# + items.joined(separator: ",") + "]}"
        }
    }
}
