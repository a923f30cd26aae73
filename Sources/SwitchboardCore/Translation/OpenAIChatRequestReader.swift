/// Reads an OpenAI chat-completions request body into a ``Conversation`` for a provider of another protocol,
/// refusing what it cannot carry with a 400 that names the field (`'messages[2].content[0].type'`).
///
/// Read: `system` / `developer` messages (as system prompts, in order), text / image / file parts, assistant tool
/// calls, `tool` results, reasoning of earlier turns (`thinking_blocks` with their signatures, as LiteLLM returns
/// them, or `reasoning_content`), tools, `tool_choice`, `parallel_tool_calls`, `max_tokens` /
/// `max_completion_tokens`, sampling, `stop`, `response_format`, `reasoning_effort`, `user`, streaming with
/// `stream_options.include_usage`. Refused: `n` above 1 and audio parts (no other protocol has them).
public enum OpenAIChatRequestReader {
    public static func read(_ body: JSONValue) throws(GatewayError) -> Conversation {
        guard let members = body.members else { throw .invalidField("body", "must be a JSON object") }
        var conversation = Conversation()
        for (key, value) in members where value != .null {
            switch key {
            case "model": conversation.model = try Read.string(value, key)
            case "messages":
                guard let items = value.array else { throw .invalidField(key, "must be an array of messages") }
                for (index, item) in items.enumerated() {
                    try Self.message(item, "messages[\(index)]", into: &conversation)
                }
            case "max_tokens", "max_completion_tokens": conversation.maxTokens = try Read.integer(value, key)
            case "temperature": conversation.temperature = try Read.number(value, key)
            case "top_p": conversation.topP = try Read.number(value, key)
            case "top_k": conversation.topK = try Read.integer(value, key)
            case "stop": conversation.stop = try Read.strings(value, key)
            case "stream": conversation.stream = value.bool ?? false
            case "stream_options": conversation.includeUsage = value["include_usage"]?.bool ?? false
            case "n":
                guard try Read.integer(value, key) == 1 else {
                    throw .invalidField(key, "must be 1: this provider returns one choice per request")
                }
            case "tools":
                guard let items = value.array else { throw .invalidField(key, "must be an array of tools") }
                for (index, item) in items.enumerated() {
                    conversation.tools.append(try Self.tool(item, "tools[\(index)]"))
                }
            case "tool_choice":
                conversation.toolChoice = try Read.toolChoice(
                    value,
                    name: value["function"]?["name"],
                    namePath: "tool_choice.function.name"
                )
            case "parallel_tool_calls": conversation.parallelToolCalls = value.bool
            case "response_format":
                conversation.responseFormat = try Read.outputFormat(
                    type: value["type"],
                    definition: value["json_schema"],
                    "response_format.type"
                )
            case "reasoning_effort":
                conversation.thinking = .init(effort: try Read.string(value, key))
            case "user": conversation.user = try Read.string(value, key)
            default: break
            }
        }
        return conversation
    }

    private static func message(
        _ value: JSONValue,
        _ path: String,
        into conversation: inout Conversation
    ) throws(GatewayError) {
        switch value["role"]?.string {
        case "system", "developer":
            let parts = try Self.content(value["content"], "\(path).content")
            conversation.system.append(OpenAIChatWriter.text(of: parts))
        case "user":
            conversation.messages.append(.init(.user, try Self.content(value["content"], "\(path).content")))
        case "assistant":
            var parts: [Conversation.Part] = []
            for (index, block) in (value["thinking_blocks"]?.array ?? []).enumerated() {
                if block["type"]?.string == "redacted_thinking" {
                    parts.append(
                        .redactedThinking(
                            data: try Read.string(block["data"], "\(path).thinking_blocks[\(index)].data")
                        )
                    )
                } else {
                    parts.append(
                        .thinking(
                            text: try Read.string(block["thinking"], "\(path).thinking_blocks[\(index)].thinking"),
                            signature: block["signature"]?.string
                        )
                    )
                }
            }
            if parts.isEmpty, let reasoning = value["reasoning_content"]?.string, !reasoning.isEmpty {
                parts.append(.thinking(text: reasoning, signature: nil))
            }
            if let content = value["content"], content != .null {
                parts += try Self.content(content, "\(path).content")
            }
            for (index, call) in (value["tool_calls"]?.array ?? []).enumerated() {
                let callPath = "\(path).tool_calls[\(index)]"
                parts.append(
                    .toolCall(
                        id: try Read.string(call["id"], "\(callPath).id"),
                        name: try Read.string(call["function"]?["name"], "\(callPath).function.name"),
                        arguments: call["function"]?["arguments"]?.string ?? "{}"
                    )
                )
            }
            conversation.messages.append(.init(.assistant, parts))
        case "tool":
            let result = Conversation.Part.toolResult(
                id: try Read.string(value["tool_call_id"], "\(path).tool_call_id"),
                content: try Self.content(value["content"], "\(path).content"),
                isError: false
            )
            // Results of one turn's parallel calls go back together, in one user turn.
            if let last = conversation.messages.last, last.role == .user,
                last.parts.allSatisfy({ if case .toolResult = $0 { true } else { false } })
            {
                conversation.messages[conversation.messages.count - 1].parts.append(result)
            } else {
                conversation.messages.append(.init(.user, [result]))
            }
        case let role?:
            throw .invalidField("\(path).role", "'\(role)' is not one of system, developer, user, assistant, tool")
        case nil:
            throw .invalidField("\(path).role", "is required")
        }
    }

    private static func content(_ value: JSONValue?, _ path: String) throws(GatewayError) -> [Conversation.Part] {
        guard let value, value != .null else { return [] }
        if let text = value.string { return [.text(text)] }
        guard let items = value.array else { throw .invalidField(path, "must be a string or an array of parts") }
        var parts: [Conversation.Part] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            switch item["type"]?.string {
            case "text": parts.append(.text(try Read.string(item["text"], "\(itemPath).text")))
            case "image_url":
                let url = item["image_url"]?["url"]?.string ?? item["image_url"]?.string
                parts.append(
                    .image(
                        Conversation.Media(url: try Read.string(url.map(JSONValue.string), "\(itemPath).image_url.url"))
                    )
                )
            case "file":
                guard let data = item["file"]?["file_data"]?.string else {
                    throw .invalidField(
                        "\(itemPath).file.file_data",
                        "is required: this provider cannot read OpenAI file ids; send the file inline as a data: URL"
                    )
                }
                parts.append(.document(Conversation.Media(url: data)))
            case let type?:
                throw .invalidField(
                    "\(itemPath).type",
                    "'\(type)' cannot be translated for this provider; send text, image_url or file parts"
                )
            case nil:
                throw .invalidField("\(itemPath).type", "is required")
            }
        }
        return parts
    }

    private static func tool(_ value: JSONValue, _ path: String) throws(GatewayError) -> Conversation.Tool {
        guard value["type"]?.string == "function", let function = value["function"] else {
            throw .invalidField("\(path).type", "must be \"function\" with a \"function\" object")
        }
        return try Read.functionTool(function, "\(path).function")
    }
}
