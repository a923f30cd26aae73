/// Writes a ``Conversation`` as an OpenAI chat-completions body for an OpenAI-kind provider.
///
/// Mapped: system prompts (one system message), text and image parts, documents as `file` parts, tool calls
/// (`tool_calls`) and results (`tool` messages, in order), tools, `tool_choice`, `parallel_tool_calls`,
/// `max_tokens` (`max_completion_tokens` for OpenAI's reasoning models, which take no sampling settings but a
/// `reasoning_effort`), sampling, stop sequences, JSON schema output, `user`; a streamed request asks for the
/// usage chunk, so the answer's usage is exact. Dropped: thinking blocks of earlier turns (chat has no place for
/// them) and, for other models, the thinking budget.
public enum OpenAIChatWriter {
    public static func body(_ conversation: Conversation, model: String? = nil) -> JSONValue {
        var body: [(key: String, value: JSONValue)] = []
        if let model = model ?? conversation.model { body.append(("model", .string(model))) }
        var messages: [JSONValue] = []
        if !conversation.system.isEmpty {
            messages.append(
                .object([("role", "system"), ("content", .string(conversation.system.joined(separator: "\n\n")))])
            )
        }
        for message in conversation.messages {
            messages += message.role == .assistant ? [Self.assistant(message.parts)] : Self.user(message.parts)
        }
        body.append(("messages", .array(messages)))
        let reasoning = Self.isReasoningModel(model ?? conversation.model ?? "")
        if let maxTokens = conversation.maxTokens {
            body.append((reasoning ? "max_completion_tokens" : "max_tokens", .number(Double(maxTokens))))
        }
        if !reasoning {
            if let temperature = conversation.temperature { body.append(("temperature", .number(temperature))) }
            if let topP = conversation.topP { body.append(("top_p", .number(topP))) }
        } else if let effort = conversation.thinking?.effort
            ?? conversation.thinking?.budgetTokens.map(ResponsesRequestWriter.effort(for:))
        {
            body.append(("reasoning_effort", .string(effort)))
        }
        if !conversation.stop.isEmpty { body.append(("stop", .array(conversation.stop.map(JSONValue.string)))) }
        if !conversation.tools.isEmpty {
            body.append(("tools", .array(conversation.tools.map(Self.tool))))
            if let choice = conversation.toolChoice { body.append(("tool_choice", Self.toolChoice(choice))) }
            if let parallel = conversation.parallelToolCalls { body.append(("parallel_tool_calls", .bool(parallel))) }
        }
        switch conversation.responseFormat {
        case .jsonObject: body.append(("response_format", .object([("type", "json_object")])))
        case .jsonSchema(let name, let schema, let strict):
            var format: [(key: String, value: JSONValue)] = [("name", .string(name)), ("schema", schema)]
            if let strict { format.append(("strict", .bool(strict))) }
            body.append(("response_format", .object([("type", "json_schema"), ("json_schema", .object(format))])))
        case nil: break
        }
        if let user = conversation.user { body.append(("user", .string(user))) }
        if conversation.stream {
            body.append(("stream", .bool(true)))
            body.append(("stream_options", .object([("include_usage", .bool(true))])))
        }
        return .object(body)
    }

    /// OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 …) refuse `max_tokens` (they take
    /// `max_completion_tokens`) and sampling other than the default: those are written for them as they accept.
    static func isReasoningModel(_ model: String) -> Bool {
        let name = model.split(separator: "/").last.map(String.init) ?? model
        if name.hasPrefix("gpt-5") { return true }
        guard name.first == "o", let second = name.dropFirst().first else { return false }
        return second.isNumber
    }

    /// A user turn: tool results become `tool` messages (in order), the other parts one user message.
    private static func user(_ parts: [Conversation.Part]) -> [JSONValue] {
        var messages: [JSONValue] = []
        var content: [JSONValue] = []
        func flush() {
            guard !content.isEmpty else { return }
            let onlyText = content.allSatisfy { $0["type"]?.string == "text" }
            let value: JSONValue =
                onlyText && content.count == 1 ? content[0]["text"]! : .array(content)
            messages.append(.object([("role", "user"), ("content", value)]))
            content = []
        }
        for part in parts {
            if case .toolResult(let id, let result, let isError) = part {
                flush()
                var text = Self.text(of: result)
                if isError, !text.hasPrefix("Error") { text = "Error: " + text }
                messages.append(.object([("role", "tool"), ("tool_call_id", .string(id)), ("content", .string(text))]))
            } else if let item = Self.contentItem(part) {
                content.append(item)
            }
        }
        flush()
        return messages
    }

    private static func assistant(_ parts: [Conversation.Part]) -> JSONValue {
        var text: [String] = []
        var calls: [JSONValue] = []
        for part in parts {
            switch part {
            case .text(let value): text.append(value)
            case .toolCall(let id, let name, let arguments):
                calls.append(
                    .object([
                        ("id", .string(id)), ("type", "function"),
                        ("function", .object([("name", .string(name)), ("arguments", .string(arguments))])),
                    ])
                )
            default: break
            }
        }
        var message: [(key: String, value: JSONValue)] = [
            ("role", "assistant"), ("content", text.isEmpty ? .null : .string(text.joined())),
        ]
        if !calls.isEmpty { message.append(("tool_calls", .array(calls))) }
        return .object(message)
    }

    private static func contentItem(_ part: Conversation.Part) -> JSONValue? {
        switch part {
        case .text(let text): .object([("type", "text"), ("text", .string(text))])
        case .image(let media): .object([("type", "image_url"), ("image_url", .object([("url", .string(media.url))]))])
        case .document(let media):
            .object([
                ("type", "file"), ("file", .object([("file_data", .string(media.url)), ("filename", "document")])),
            ])
        default: nil
        }
    }

    /// The text of a tool result's parts (images in a result have no place in a `tool` message).
    static func text(of parts: [Conversation.Part]) -> String {
        parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
    }

    private static func tool(_ tool: Conversation.Tool) -> JSONValue {
        var function: [(key: String, value: JSONValue)] = [("name", .string(tool.name))]
        if let description = tool.description { function.append(("description", .string(description))) }
        function.append(("parameters", tool.parameters))
        if let strict = tool.strict { function.append(("strict", .bool(strict))) }
        return .object([("type", "function"), ("function", .object(function))])
    }

    private static func toolChoice(_ choice: Conversation.ToolChoice) -> JSONValue {
        switch choice {
        case .auto: "auto"
        case .none: "none"
        case .required: "required"
        case .tool(let name): .object([("type", "function"), ("function", .object([("name", .string(name))]))])
        }
    }
}
