/// Writes a ``Conversation`` as a Gemini `generateContent` body (the model goes in the path: ``GeminiPath``).
///
/// Mapped: system prompts (`systemInstruction`), user and model turns with text, inline and URL images and
/// documents (`inlineData` / `fileData`), tool calls (`functionCall`, the arguments as `args`) and results
/// (`functionResponse` under the called function's name, `{"result": …}`), thoughts that carry a signature, function
/// declarations (`parametersJsonSchema`, full JSON Schema), `toolConfig`, `generationConfig` (`maxOutputTokens`,
/// sampling, `stopSequences`, JSON output, `thinkingConfig` with thoughts included). Dropped: `user` (Gemini has no
/// such field) and the `parallel_tool_calls` switch.
public enum GeminiRequestWriter {
    public static func body(_ conversation: Conversation) -> JSONValue {
        var body: [(key: String, value: JSONValue)] = []
        var names: [String: String] = [:]
        var contents: [JSONValue] = []
        for message in conversation.messages {
            var parts: [JSONValue] = []
            for part in message.parts {
                switch part {
                case .text(let text): parts.append(.object([("text", .string(text))]))
                case .image(let media), .document(let media):
                    parts.append(Self.media(media, image: { if case .image = part { true } else { false } }()))
                case .toolCall(let id, let name, let arguments):
                    names[id] = name
                    parts.append(
                        .object([
                            (
                                "functionCall",
                                .object([
                                    ("name", .string(name)),
                                    ("args", JSONValue(parsing: Array(arguments.utf8)) ?? .object([])),
                                ])
                            )
                        ])
                    )
                case .toolResult(let id, let content, let isError):
                    let text = OpenAIChatWriter.text(of: content)
                    let response: JSONValue =
                        isError ? .object([("error", .string(text))]) : .object([("result", .string(text))])
                    parts.append(
                        .object([
                            (
                                "functionResponse",
                                .object([("name", .string(names[id] ?? id)), ("response", response)])
                            )
                        ])
                    )
                case .thinking(let text, let signature?) where !signature.isEmpty:
                    parts.append(
                        .object([
                            ("text", .string(text)), ("thought", .bool(true)), ("thoughtSignature", .string(signature)),
                        ])
                    )
                case .thinking, .redactedThinking:
                    break
                }
            }
            guard !parts.isEmpty else { continue }
            contents.append(
                .object([("role", message.role == .assistant ? "model" : "user"), ("parts", .array(parts))])
            )
        }
        body.append(("contents", .array(contents)))
        if !conversation.system.isEmpty {
            body.append(
                (
                    "systemInstruction",
                    .object([
                        ("parts", .array([.object([("text", .string(conversation.system.joined(separator: "\n\n")))])]))
                    ])
                )
            )
        }
        if !conversation.tools.isEmpty {
            let declarations: [JSONValue] = conversation.tools.map { tool in
                var members: [(key: String, value: JSONValue)] = [("name", .string(tool.name))]
                if let description = tool.description { members.append(("description", .string(description))) }
                members.append(("parametersJsonSchema", tool.parameters))
                return .object(members)
            }
            body.append(("tools", .array([.object([("functionDeclarations", .array(declarations))])])))
            if let choice = conversation.toolChoice {
                let config: [(key: String, value: JSONValue)] =
                    switch choice {
                    case .auto: [("mode", "AUTO")]
                    case .none: [("mode", "NONE")]
                    case .required: [("mode", "ANY")]
                    case .tool(let name): [("mode", "ANY"), ("allowedFunctionNames", .array([.string(name)]))]
                    }
                body.append(("toolConfig", .object([("functionCallingConfig", .object(config))])))
            }
        }
        var generation: [(key: String, value: JSONValue)] = []
        if let maxTokens = conversation.maxTokens { generation.append(("maxOutputTokens", .number(Double(maxTokens)))) }
        if let temperature = conversation.temperature { generation.append(("temperature", .number(temperature))) }
        if let topP = conversation.topP { generation.append(("topP", .number(topP))) }
        if let topK = conversation.topK { generation.append(("topK", .number(Double(topK)))) }
        if !conversation.stop.isEmpty {
            generation.append(("stopSequences", .array(conversation.stop.map(JSONValue.string))))
        }
        switch conversation.responseFormat {
        case .jsonObject: generation.append(("responseMimeType", "application/json"))
        case .jsonSchema(_, let schema, _):
            generation.append(("responseMimeType", "application/json"))
            generation.append(("responseJsonSchema", schema))
        case nil: break
        }
        if let thinking = conversation.thinking,
            let budget = thinking.budgetTokens ?? thinking.effort.flatMap(AnthropicRequestWriter.budget(for:))
        {
            generation.append(
                (
                    "thinkingConfig",
                    .object([("thinkingBudget", .number(Double(budget))), ("includeThoughts", .bool(true))])
                )
            )
        }
        if !generation.isEmpty { body.append(("generationConfig", .object(generation))) }
        return .object(body)
    }

    private static func media(_ media: Conversation.Media, image: Bool) -> JSONValue {
        switch media {
        case .inline(let type, let data):
            .object([("inlineData", .object([("mimeType", .string(type)), ("data", .string(data))]))])
        case .url(let url):
            .object([
                (
                    "fileData",
                    .object([
                        ("mimeType", .string(image ? "image/jpeg" : "application/pdf")), ("fileUri", .string(url)),
                    ])
                )
            ])
        }
    }
}
