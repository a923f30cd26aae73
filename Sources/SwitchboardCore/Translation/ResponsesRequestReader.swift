/// Reads an OpenAI Responses request body into a ``Conversation`` for a provider of another protocol, refusing
/// what it cannot carry with a 400 that names the field (`'input[3].type'`).
///
/// Read: `instructions`, `input` as a string or items — messages (`input_text`, `input_image`, `input_file`,
/// `output_text` parts), `function_call`, `function_call_output`, `reasoning` (its summary as the thinking text and
/// `encrypted_content` as its signature, so an Anthropic thinking block goes back as it came) — function `tools`,
/// `tool_choice`, `parallel_tool_calls`, `max_output_tokens`, sampling, `text.format`, `reasoning.effort`,
/// `user`, `stream`. Refused: `previous_response_id` and `conversation` (the state lives at OpenAI), and
/// built-in tools (web search, file search, computer use … run only at OpenAI).
public enum ResponsesRequestReader {
    public static func read(_ body: JSONValue) throws(GatewayError) -> Conversation {
        guard let members = body.members else { throw .invalidField("body", "must be a JSON object") }
        var conversation = Conversation()
        for (key, value) in members where value != .null {
            switch key {
            case "model": conversation.model = try Read.string(value, key)
            case "instructions": conversation.system.insert(try Read.string(value, key), at: 0)
            case "input":
                if let text = value.string {
                    conversation.messages.append(.init(.user, [.text(text)]))
                } else if let items = value.array {
                    for (index, item) in items.enumerated() {
                        try Self.item(item, "input[\(index)]", into: &conversation)
                    }
                } else {
                    throw .invalidField(key, "must be a string or an array of input items")
                }
            case "max_output_tokens": conversation.maxTokens = try Read.integer(value, key)
            case "temperature": conversation.temperature = try Read.number(value, key)
            case "top_p": conversation.topP = try Read.number(value, key)
            case "stream": conversation.stream = value.bool ?? false
            case "tools":
                guard let items = value.array else { throw .invalidField(key, "must be an array of tools") }
                for (index, item) in items.enumerated() {
                    conversation.tools.append(try Self.tool(item, "tools[\(index)]"))
                }
            case "tool_choice":
                conversation.toolChoice = try Read.toolChoice(value, name: value["name"], namePath: "tool_choice.name")
            case "parallel_tool_calls": conversation.parallelToolCalls = value.bool
            case "text":
                conversation.responseFormat = try Read.outputFormat(
                    type: value["format"]?["type"],
                    definition: value["format"],
                    "text.format.type"
                )
            case "reasoning":
                if let effort = value["effort"]?.string { conversation.thinking = .init(effort: effort) }
            case "user", "safety_identifier": conversation.user = try Read.string(value, key)
            case "previous_response_id", "conversation":
                throw .invalidField(
                    key,
                    "cannot be used with this provider: the earlier turns are stored at OpenAI; send them in 'input'"
                )
            default: break
            }
        }
        return conversation
    }

    private static func item(
        _ item: JSONValue,
        _ path: String,
        into conversation: inout Conversation
    ) throws(GatewayError) {
        switch item["type"]?.string ?? (item["role"] != nil ? "message" : nil) {
        case "message":
            let parts = try Self.content(item["content"], "\(path).content")
            switch item["role"]?.string {
            case "system", "developer": conversation.system.append(OpenAIChatWriter.text(of: parts))
            case "user": conversation.append(.user, parts)
            case "assistant": conversation.append(.assistant, parts)
            default: throw .invalidField("\(path).role", "must be user, assistant, system or developer")
            }
        case "function_call":
            conversation.append(
                .assistant,
                [
                    .toolCall(
                        id: try Read.string(item["call_id"], "\(path).call_id"),
                        name: try Read.string(item["name"], "\(path).name"),
                        arguments: item["arguments"]?.string ?? "{}"
                    )
                ]
            )
        case "function_call_output":
            let output: [Conversation.Part] =
                if let text = item["output"]?.string { [.text(text)] } else {
                    try Self.content(item["output"], "\(path).output")
                }
            conversation.append(
                .user,
                [.toolResult(id: try Read.string(item["call_id"], "\(path).call_id"), content: output, isError: false)]
            )
        case "reasoning":
            let summary = (item["summary"]?.array ?? []).compactMap { $0["text"]?.string }.joined()
            if let data = item["encrypted_content"]?.string, summary.isEmpty, data.hasPrefix(Self.redactedPrefix) {
                conversation.append(
                    .assistant,
                    [.redactedThinking(data: String(data.dropFirst(Self.redactedPrefix.count)))]
                )
            } else {
                conversation.append(
                    .assistant,
                    [.thinking(text: summary, signature: item["encrypted_content"]?.string)]
                )
            }
        case "item_reference":
            throw .invalidField(
                "\(path).type",
                "'item_reference' points at state stored at OpenAI; send the item itself"
            )
        case let type?:
            throw .invalidField("\(path).type", "'\(type)' cannot be translated for this provider")
        case nil:
            throw .invalidField("\(path).type", "is required")
        }
    }

    /// How a redacted thinking block travels in `encrypted_content` with no summary.
    static let redactedPrefix = "redacted:"

    private static func content(_ value: JSONValue?, _ path: String) throws(GatewayError) -> [Conversation.Part] {
        guard let value, value != .null else { return [] }
        if let text = value.string { return [.text(text)] }
        guard let items = value.array else { throw .invalidField(path, "must be a string or an array of parts") }
        var parts: [Conversation.Part] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            switch item["type"]?.string {
            case "input_text", "output_text", "text", "summary_text":
                parts.append(.text(try Read.string(item["text"], "\(itemPath).text")))
            case "refusal": parts.append(.text(try Read.string(item["refusal"], "\(itemPath).refusal")))
            case "input_image":
                guard let url = item["image_url"]?.string else {
                    throw .invalidField(
                        "\(itemPath).image_url",
                        "is required: this provider cannot read OpenAI file ids; send the image as a URL or data: URL"
                    )
                }
                parts.append(.image(Conversation.Media(url: url)))
            case "input_file":
                if let data = item["file_data"]?.string {
                    parts.append(.document(Conversation.Media(url: data)))
                } else if let url = item["file_url"]?.string {
                    parts.append(.document(.url(url)))
                } else {
                    throw .invalidField(
                        "\(itemPath).file_data",
                        "is required: this provider cannot read OpenAI file ids; send the file inline"
                    )
                }
            case let type?:
                throw .invalidField("\(itemPath).type", "'\(type)' cannot be translated for this provider")
            case nil:
                throw .invalidField("\(itemPath).type", "is required")
            }
        }
        return parts
    }

    private static func tool(_ value: JSONValue, _ path: String) throws(GatewayError) -> Conversation.Tool {
        guard value["type"]?.string == "function" else {
            let type = value["type"]?.string ?? "?"
            throw .invalidField("\(path).type", "'\(type)' is one of OpenAI's built-in tools, which only OpenAI runs")
        }
        return try Read.functionTool(value, path)
    }
}

extension Conversation {
    /// Adds parts to the last turn when it is `role`'s, else as a new turn: items of one turn arrive one by one.
    mutating func append(_ role: Message.Role, _ parts: [Part]) {
        if let last = self.messages.last, last.role == role {
            self.messages[self.messages.count - 1].parts += parts
        } else {
            self.messages.append(.init(role, parts))
        }
    }
}
