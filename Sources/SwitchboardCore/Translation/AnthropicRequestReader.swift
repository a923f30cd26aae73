import Foundation

/// Reads an Anthropic Messages request body into a ``Conversation``, refusing what it cannot carry with a 400
/// that names the field (`'messages[1].content[0].type'`), before any upstream is tried.
public enum AnthropicRequestReader {
    public static func read(_ body: JSONValue) throws(GatewayError) -> Conversation {
        guard let members = body.members else { throw .invalidField("body", "must be a JSON object") }
        var conversation = Conversation()
        for (key, value) in members where value != .null {
            switch key {
            case "model": conversation.model = try Read.string(value, key)
            case "system": conversation.system = try Self.system(value)
            case "messages":
                guard let items = value.array else { throw .invalidField(key, "must be an array of messages") }
                for (index, item) in items.enumerated() {
                    conversation.messages.append(try Self.message(item, "messages[\(index)]"))
                }
            case "max_tokens": conversation.maxTokens = try Read.integer(value, key)
            case "temperature": conversation.temperature = try Read.number(value, key)
            case "top_p": conversation.topP = try Read.number(value, key)
            case "top_k": conversation.topK = try Read.integer(value, key)
            case "stop_sequences":
                let stops = value.array?.compactMap(\.string)
                guard let stops, stops.count == value.array?.count else {
                    throw .invalidField(key, "must be an array of strings")
                }
                conversation.stop = stops
            case "stream": conversation.stream = value.bool ?? false
            case "tools":
                guard let items = value.array else { throw .invalidField(key, "must be an array of tools") }
                for (index, item) in items.enumerated() {
                    conversation.tools.append(try Self.tool(item, "tools[\(index)]"))
                }
            case "tool_choice": (conversation.toolChoice, conversation.parallelToolCalls) = try Self.toolChoice(value)
            case "thinking":
                if value["type"]?.string == "enabled" {
                    conversation.thinking = .init(budgetTokens: value["budget_tokens"]?.int)
                } else if value["type"]?.string == "adaptive" {
                    conversation.thinking = .init(effort: "medium")
                }
            case "metadata": conversation.user = value["user_id"]?.string
            case "output_format", "output_config":
                if let schema = value["schema"] ?? value["format"]?["schema"] {
                    conversation.responseFormat = .jsonSchema(name: "output", schema: schema, strict: true)
                }
            default: break
            }
        }
        return conversation
    }

    private static func system(_ value: JSONValue) throws(GatewayError) -> [String] {
        if let text = value.string { return [text] }
        guard let blocks = value.array else {
            throw .invalidField("system", "must be a string or an array of text blocks")
        }
        var texts: [String] = []
        for (index, block) in blocks.enumerated() {
            guard let text = block["text"]?.string else {
                throw .invalidField("system[\(index)]", "must be a text block: {\"type\":\"text\",\"text\":\"…\"}")
            }
            texts.append(text)
        }
        return texts
    }

    private static func message(_ value: JSONValue, _ path: String) throws(GatewayError) -> Conversation.Message {
        guard let role = value["role"]?.string.flatMap(Conversation.Message.Role.init(rawValue:)) else {
            throw .invalidField("\(path).role", "must be \"user\" or \"assistant\"")
        }
        return Conversation.Message(role, try Self.content(value["content"], "\(path).content"))
    }

    static func content(_ value: JSONValue?, _ path: String) throws(GatewayError) -> [Conversation.Part] {
        guard let value else { throw .invalidField(path, "is required") }
        if let text = value.string { return [.text(text)] }
        guard let blocks = value.array else { throw .invalidField(path, "must be a string or an array of blocks") }
        var parts: [Conversation.Part] = []
        for (index, block) in blocks.enumerated() {
            parts.append(try Self.block(block, "\(path)[\(index)]"))
        }
        return parts
    }

    private static func block(_ block: JSONValue, _ path: String) throws(GatewayError) -> Conversation.Part {
        switch block["type"]?.string {
        case "text": return .text(try Read.string(block["text"], "\(path).text"))
        case "image": return .image(try Self.media(block["source"], "\(path).source"))
        case "document": return .document(try Self.media(block["source"], "\(path).source"))
        case "tool_use":
            return .toolCall(
                id: try Read.string(block["id"], "\(path).id"),
                name: try Read.string(block["name"], "\(path).name"),
                arguments: (block["input"] ?? .object([])).jsonText
            )
        case "tool_result":
            let content: [Conversation.Part] =
                switch block["content"] {
                case nil, .null?: []
                case let value?: try Self.content(value, "\(path).content")
                }
            return .toolResult(
                id: try Read.string(block["tool_use_id"], "\(path).tool_use_id"),
                content: content,
                isError: block["is_error"]?.bool ?? false
            )
        case "thinking":
            return .thinking(
                text: try Read.string(block["thinking"], "\(path).thinking"),
                signature: block["signature"]?.string
            )
        case "redacted_thinking": return .redactedThinking(data: try Read.string(block["data"], "\(path).data"))
        case let type?:
            throw .invalidField(
                "\(path).type",
                "'\(type)' cannot be translated for this provider; send text, image, document, tool_use, tool_result or thinking blocks"
            )
        case nil: throw .invalidField("\(path).type", "is required")
        }
    }

    private static func media(_ source: JSONValue?, _ path: String) throws(GatewayError) -> Conversation.Media {
        switch source?["type"]?.string {
        case "base64":
            return .inline(
                mediaType: try Read.string(source?["media_type"], "\(path).media_type"),
                base64: try Read.string(source?["data"], "\(path).data")
            )
        case "url": return .url(try Read.string(source?["url"], "\(path).url"))
        case "text":
            // A plain-text document: carried inline as text/plain.
            let text = try Read.string(source?["data"], "\(path).data")
            return .inline(mediaType: "text/plain", base64: Data(text.utf8).base64EncodedString())
        default: throw .invalidField("\(path).type", "must be \"base64\", \"url\" or \"text\"")
        }
    }

    private static func tool(_ value: JSONValue, _ path: String) throws(GatewayError) -> Conversation.Tool {
        if let type = value["type"]?.string, type != "custom" {
            throw .invalidField(
                "\(path).type",
                "'\(type)' is one of Anthropic's server tools, which only Anthropic runs"
            )
        }
        return Conversation.Tool(
            name: try Read.string(value["name"], "\(path).name"),
            description: value["description"]?.string,
            parameters: value["input_schema"] ?? .object([("type", .string("object"))]),
            strict: value["strict"]?.bool
        )
    }

    private static func toolChoice(_ value: JSONValue) throws(GatewayError) -> (Conversation.ToolChoice?, Bool?) {
        let parallel = value["disable_parallel_tool_use"]?.bool.map { !$0 }
        switch value["type"]?.string {
        case "auto": return (.auto, parallel)
        case "any": return (.required, parallel)
        case "none": return (Conversation.ToolChoice.none, parallel)
        case "tool": return (.tool(try Read.string(value["name"], "tool_choice.name")), parallel)
        default: throw .invalidField("tool_choice.type", "must be \"auto\", \"any\", \"tool\" or \"none\"")
        }
    }
}
