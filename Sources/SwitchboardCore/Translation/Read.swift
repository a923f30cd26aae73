/// Field readers for translated request bodies: each refuses a wrong type with a 400 that names the field.
enum Read {
    static func string(_ value: JSONValue?, _ path: String) throws(GatewayError) -> String {
        guard let text = value?.string else { throw .invalidField(path, "must be a string") }
        return text
    }

    static func integer(_ value: JSONValue?, _ path: String) throws(GatewayError) -> Int {
        guard let number = value?.int else { throw .invalidField(path, "must be an integer") }
        return number
    }

    static func number(_ value: JSONValue?, _ path: String) throws(GatewayError) -> Double {
        guard let number = value?.number else { throw .invalidField(path, "must be a number") }
        return number
    }

    /// A string or an array of strings (`stop`), as an array.
    static func strings(_ value: JSONValue, _ path: String) throws(GatewayError) -> [String] {
        if let text = value.string { return [text] }
        let items = value.array?.compactMap(\.string)
        guard let items, items.count == value.array?.count else {
            throw .invalidField(path, "must be a string or an array of strings")
        }
        return items
    }

    // MARK: - OpenAI's shapes, shared by chat and Responses

    /// A function tool's definition (`name`, `description`, `parameters`, `strict`): chat nests it under
    /// `function`, Responses does not.
    static func functionTool(_ function: JSONValue, _ path: String) throws(GatewayError) -> Conversation.Tool {
        Conversation.Tool(
            name: try Self.string(function["name"], "\(path).name"),
            description: function["description"]?.string,
            parameters: function["parameters"] ?? .object([("type", "object"), ("properties", .object([]))]),
            strict: function["strict"]?.bool
        )
    }

    /// `tool_choice`: a mode, or a function named by `name` (found where the protocol puts it, at `namePath`).
    static func toolChoice(
        _ value: JSONValue,
        name: JSONValue?,
        namePath: String
    ) throws(GatewayError) -> Conversation.ToolChoice {
        switch value.string {
        case "auto": return .auto
        case "none": return Conversation.ToolChoice.none
        case "required": return .required
        case nil: return .tool(try Self.string(name, namePath))
        case let other?: throw .invalidField("tool_choice", "'\(other)' is not auto, none, required or a function")
        }
    }

    /// Structured output: `type` text / json_object / json_schema, the schema's `name`, `schema` and `strict` in
    /// `definition` (chat's `json_schema` object, or the Responses format itself).
    static func outputFormat(
        type: JSONValue?,
        definition: JSONValue?,
        _ path: String
    ) throws(GatewayError) -> Conversation.ResponseFormat? {
        switch type?.string {
        case nil, "text": return nil
        case "json_object": return .jsonObject
        case "json_schema":
            return .jsonSchema(
                name: definition?["name"]?.string ?? "output",
                schema: definition?["schema"] ?? .object([("type", "object")]),
                strict: definition?["strict"]?.bool
            )
        default: throw .invalidField(path, "must be text, json_object or json_schema")
        }
    }
}
