/// Writes a ``Conversation`` as an OpenAI Responses body for an `openai-responses` provider.
///
/// Mapped: system prompts (`instructions`), user parts (`input_text`, `input_image`, `input_file`), assistant text
/// (`output_text`), tool calls (`function_call`) and results (`function_call_output`), reasoning that carries a
/// signature (a `reasoning` item with it as `encrypted_content`: what this provider sent before), function tools,
/// `tool_choice`, `parallel_tool_calls`, `max_output_tokens`, sampling, JSON output (`text.format`), the thinking
/// budget as `reasoning.effort`, `user`. Answers are not stored at the provider (`store: false`). Dropped: stop
/// sequences and `top_k` (the Responses API has neither).
public enum ResponsesRequestWriter {
    /// The `reasoning.effort` a thinking budget stands for.
    static func effort(for budget: Int) -> String {
        budget < 4096 ? "low" : budget < 16384 ? "medium" : "high"
    }

    public static func body(_ conversation: Conversation, model: String? = nil) -> JSONValue {
        var body: [(key: String, value: JSONValue)] = []
        if let model = model ?? conversation.model { body.append(("model", .string(model))) }
        if !conversation.system.isEmpty {
            body.append(("instructions", .string(conversation.system.joined(separator: "\n\n"))))
        }
        var input: [JSONValue] = []
        var carriesReasoning = false
        for message in conversation.messages {
            var content: [JSONValue] = []
            func flush() {
                guard !content.isEmpty else { return }
                input.append(.object([("role", .string(message.role.rawValue)), ("content", .array(content))]))
                content = []
            }
            for part in message.parts {
                switch part {
                case .text(let text):
                    content.append(
                        .object([
                            ("type", message.role == .user ? "input_text" : "output_text"), ("text", .string(text)),
                        ])
                    )
                case .image(let media):
                    content.append(.object([("type", "input_image"), ("image_url", .string(media.url))]))
                case .document(let media):
                    content.append(
                        .object([("type", "input_file"), ("file_data", .string(media.url)), ("filename", "document")])
                    )
                case .toolCall(let id, let name, let arguments):
                    flush()
                    input.append(
                        .object([
                            ("type", "function_call"), ("call_id", .string(id)), ("name", .string(name)),
                            ("arguments", .string(arguments)),
                        ])
                    )
                case .toolResult(let id, let result, _):
                    flush()
                    input.append(
                        .object([
                            ("type", "function_call_output"), ("call_id", .string(id)),
                            ("output", .string(OpenAIChatWriter.text(of: result))),
                        ])
                    )
                case .thinking(let text, let signature?) where !signature.isEmpty:
                    flush()
                    carriesReasoning = true
                    input.append(
                        .object([
                            ("type", "reasoning"),
                            (
                                "summary",
                                .array(
                                    text.isEmpty ? [] : [.object([("type", "summary_text"), ("text", .string(text))])]
                                )
                            ),
                            ("encrypted_content", .string(signature)),
                        ])
                    )
                case .thinking, .redactedThinking:
                    break
                }
            }
            flush()
        }
        body.append(("input", .array(input)))
        if let maxTokens = conversation.maxTokens { body.append(("max_output_tokens", .number(Double(maxTokens)))) }
        if let temperature = conversation.temperature { body.append(("temperature", .number(temperature))) }
        if let topP = conversation.topP { body.append(("top_p", .number(topP))) }
        if !conversation.tools.isEmpty {
            body.append(("tools", .array(conversation.tools.map(Self.tool))))
            if let choice = conversation.toolChoice { body.append(("tool_choice", Self.toolChoice(choice))) }
            if let parallel = conversation.parallelToolCalls { body.append(("parallel_tool_calls", .bool(parallel))) }
        }
        switch conversation.responseFormat {
        case .jsonObject: body.append(("text", .object([("format", .object([("type", "json_object")]))])))
        case .jsonSchema(let name, let schema, let strict):
            var format: [(key: String, value: JSONValue)] = [
                ("type", "json_schema"), ("name", .string(name)), ("schema", schema),
            ]
            if let strict { format.append(("strict", .bool(strict))) }
            body.append(("text", .object([("format", .object(format))])))
        case nil: break
        }
        if let thinking = conversation.thinking,
            let effort = thinking.effort ?? thinking.budgetTokens.map(Self.effort(for:))
        {
            body.append(("reasoning", .object([("effort", .string(effort)), ("summary", "auto")])))
            carriesReasoning = true
        }
        if let user = conversation.user { body.append(("user", .string(user))) }
        body.append(("store", .bool(false)))
        if carriesReasoning { body.append(("include", .array(["reasoning.encrypted_content"]))) }
        if conversation.stream { body.append(("stream", .bool(true))) }
        return .object(body)
    }

    private static func tool(_ tool: Conversation.Tool) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("type", "function"), ("name", .string(tool.name))]
        if let description = tool.description { members.append(("description", .string(description))) }
        members.append(("parameters", tool.parameters))
        if let strict = tool.strict { members.append(("strict", .bool(strict))) }
        return .object(members)
    }

    private static func toolChoice(_ choice: Conversation.ToolChoice) -> JSONValue {
        switch choice {
        case .auto: "auto"
        case .none: "none"
        case .required: "required"
        case .tool(let name): .object([("type", "function"), ("name", .string(name))])
        }
    }
}
