/// A provider's error answer read in any protocol's shape (OpenAI's `{"error":{…}}`, Anthropic's
/// `{"type":"error","error":{…}}`, a bare message), so a translated request's client gets it in its own shape
/// with the provider's status and message.
public enum ProviderError {
    public static func read(_ body: [UInt8], status: Int) -> GatewayError {
        guard let json = JSONValue(parsing: body) else {
            let text = String(decoding: body.prefix(500), as: UTF8.self)
            return GatewayError(
                status: status,
                type: Self.type(for: status),
                message: text.isEmpty ? "The provider answered \(status) without a body." : text
            )
        }
        let error = json["error"] ?? json
        let message =
            error["message"]?.string ?? error.string ?? json["message"]?.string
            ?? "The provider answered \(status)."
        var shaped = GatewayError(
            status: status,
            type: error["type"]?.string ?? Self.type(for: status),
            code: error["code"]?.string,
            param: error["param"]?.string,
            message: message
        )
        if shaped.type == "error" { shaped.type = Self.type(for: status) }
        // Google's errors name a status (RESOURCE_EXHAUSTED …), not a type.
        if error["type"] == nil, error["status"]?.string != nil { shaped.type = Self.type(for: status) }
        return shaped
    }

    /// A 2xx answer the gateway could not read as the provider's protocol.
    public static func unreadable(status: Int) -> GatewayError {
        GatewayError(
            status: status,
            type: "upstream_error",
            code: "unreadable_answer",
            message: "The provider's answer could not be read as its protocol's JSON, so it could not be translated."
        )
    }

    private static func type(for status: Int) -> String {
        switch status {
        case 400, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        default: "api_error"
        }
    }
}

extension GatewayError {
    /// This error in `client`'s error shape.
    public func shaped(for client: WireProtocol) -> GatewayError {
        var shaped = self
        shaped.format =
            switch client {
            case .anthropicMessages: .anthropic
            case .gemini: .gemini
            case .openAIChat, .openAIResponses: .openai
            }
        return shaped
    }
}
